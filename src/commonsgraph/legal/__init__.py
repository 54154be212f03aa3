"""Legal answers for every licence: which family each licence has and who says so (catalogue),
the curated rules (rules), SPDX expressions (expressions), the engine that answers "may material
under A be adapted, included or used to produce a work under B?" (engine), the named queries it
answers (named), licence conflicts in contributions (conflicts) and a licence page's table
(table)."""
