"""Forms generated from the SHACL shapes: the model (`model`) and what a form holds (`data`)."""

from commonsgraph.forms.data import Entry, Filled, Reader, Reading, Row, filled
from commonsgraph.forms.model import Field, Form, Forms

__all__ = ["Entry", "Field", "Filled", "Form", "Forms", "Reader", "Reading", "Row", "filled"]
