from google.protobuf import descriptor_pb2 as _descriptor_pb2
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from typing import ClassVar as _ClassVar, Optional as _Optional

DESCRIPTOR: _descriptor.FileDescriptor
FIELD_FIELD_NUMBER: _ClassVar[int]
field: _descriptor.FieldDescriptor
ONEOF_FIELD_NUMBER: _ClassVar[int]
oneof: _descriptor.FieldDescriptor

class FieldConstraints(_message.Message):
    __slots__ = ("required", "min_length", "max_length", "min_value", "max_value")
    REQUIRED_FIELD_NUMBER: _ClassVar[int]
    MIN_LENGTH_FIELD_NUMBER: _ClassVar[int]
    MAX_LENGTH_FIELD_NUMBER: _ClassVar[int]
    MIN_VALUE_FIELD_NUMBER: _ClassVar[int]
    MAX_VALUE_FIELD_NUMBER: _ClassVar[int]
    required: bool
    min_length: int
    max_length: int
    min_value: int
    max_value: int
    def __init__(self, required: bool = ..., min_length: _Optional[int] = ..., max_length: _Optional[int] = ..., min_value: _Optional[int] = ..., max_value: _Optional[int] = ...) -> None: ...

class OneofConstraints(_message.Message):
    __slots__ = ("exactly_one",)
    EXACTLY_ONE_FIELD_NUMBER: _ClassVar[int]
    exactly_one: bool
    def __init__(self, exactly_one: bool = ...) -> None: ...
