"""Forms generated from the SHACL shapes: the model (`model`), what a posted form holds
(`entries`), and its statements (`data`)."""

from commonsgraph.forms.data import Reader, Reading
from commonsgraph.forms.entries import Entry, Filled, Row, filled
from commonsgraph.forms.model import Field, Form, Forms

__all__ = ["Entry", "Field", "Filled", "Form", "Forms", "Reader", "Reading", "Row", "filled"]
