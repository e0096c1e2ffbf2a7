"""Mutations of the custom-object area, one module per concern."""

from strawberry.tools import merge_types

from api.custom.mutations.definitions import DefinitionMutations
from api.custom.mutations.records import RecordMutations

CustomMutations = merge_types("CustomMutations", (DefinitionMutations, RecordMutations))
