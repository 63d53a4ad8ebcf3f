"""HTTP/JSON transcoding rules, read from the protos' ``google.api.http`` options.

Both the REST transport of the client and the emulator's REST gateway work
from these bindings, so a URL is never written into code: the client expands
a method's path template from the request message, and the gateway matches
incoming paths against every template of a service.

Path templates follow the grammar of ``google/api/http.proto``::

    Template = "/" Segments [ Verb ] ;
    Segments = Segment { "/" Segment } ;
    Segment  = "*" | "**" | LITERAL | Variable ;
    Variable = "{" FieldPath [ "=" Segments ] "}" ;
    Verb     = ":" LITERAL ;

A variable that spans one segment is percent-encoded on expansion with every
character outside ``[-_.~0-9A-Za-z]`` escaped, so that no value can add a
segment, a query or a fragment, and is percent-decoded in full on matching.
A variable that spans several segments keeps its slashes, and ``%2F`` inside
it stays encoded when matched, as the specification asks.
"""

from __future__ import annotations

import functools
import re
import urllib.parse
from dataclasses import dataclass

from google.api import annotations_pb2, http_pb2
from google.protobuf import descriptor
from google.protobuf.message import Message

__all__ = [
    "HttpBinding",
    "PathTemplate",
    "TemplateError",
    "binding_of",
    "bindings_of",
]

_LITERAL = re.compile(r"^[^/{}*:=]+$")


class TemplateError(ValueError):
    """A path template in the protos does not follow the grammar."""


@dataclass(frozen=True)
class _Variable:
    field_path: str
    segments: tuple[str, ...]  # the sub-template, ("*",) when none is given

    @property
    def is_single_segment(self) -> bool:
        return self.segments == ("*",)


_Segment = str | _Variable


@dataclass(frozen=True)
class PathTemplate:
    """A parsed ``google.api.http`` path template."""

    text: str
    segments: tuple[_Segment, ...]
    verb: str | None

    @classmethod
    def parse(cls, text: str) -> PathTemplate:
        """Parses ``text``; raises ``TemplateError`` naming what is wrong."""
        if not text.startswith("/"):
            raise TemplateError(f"path template {text!r} must start with '/'")
        body, verb = _split_verb(text[1:])
        if verb is not None and not _LITERAL.match(verb):
            raise TemplateError(f"path template {text!r} has a malformed verb {verb!r}")
        segments: list[_Segment] = []
        for part in _split_segments(body, text):
            if part.startswith("{"):
                segments.append(_parse_variable(part, text))
            elif part in ("*", "**") or _LITERAL.match(part):
                segments.append(part)
            else:
                raise TemplateError(
                    f"path template {text!r} has a malformed segment {part!r}"
                )
        bound = [s.field_path for s in segments if isinstance(s, _Variable)]
        if len(bound) != len(set(bound)):
            raise TemplateError(f"path template {text!r} binds a field twice")
        return cls(text, tuple(segments), verb)

    @property
    def variables(self) -> tuple[str, ...]:
        """The field paths that the template binds, in order."""
        return tuple(s.field_path for s in self.segments if isinstance(s, _Variable))

    def expand(self, message: Message) -> str:
        """Builds the path for ``message``, percent-encoding its bound fields."""
        parts: list[str] = []
        for segment in self.segments:
            if not isinstance(segment, _Variable):
                parts.append(segment)
                continue
            value = str(_field_value(message, segment.field_path))
            if not value:
                raise ValueError(
                    f"{segment.field_path} is empty, but the path {self.text!r} "
                    "needs a value for it"
                )
            if segment.is_single_segment:
                parts.append(_encode_segment(value))
                continue
            pieces = value.split("/")
            flat: list[tuple[str, _Variable | None]] = [
                (s, None) for s in segment.segments
            ]
            if not _match_flat(flat, pieces, {}):
                raise ValueError(
                    f"{segment.field_path}={value!r} does not fit "
                    f"the path {self.text!r}"
                )
            parts.append("/".join(_encode_segment(piece) for piece in pieces))
        path = "/" + "/".join(parts)
        return path if self.verb is None else f"{path}:{self.verb}"

    def match(self, path: str) -> dict[str, str] | None:
        """Matches a raw (still percent-encoded) URL path.

        Returns the decoded value of every variable, keyed by field path, or
        ``None`` when the path does not fit the template. Raises
        ``ValueError`` when a variable holds malformed percent-encoding.
        """
        if not path.startswith("/"):
            return None
        body = path[1:]
        if self.verb is not None:
            suffix = ":" + self.verb
            if not body.endswith(suffix):
                return None
            body = body[: -len(suffix)]
        found: dict[str, str] = {}
        if not _match_segments(self.segments, body.split("/"), found):
            return None
        return found


@dataclass(frozen=True)
class HttpBinding:
    """One HTTP route of a gRPC method."""

    method: descriptor.MethodDescriptor
    http_method: str
    template: PathTemplate
    body: str
    """The request field the HTTP body fills: ``"*"``, a field name or ``""``."""

    def query_fields(self) -> tuple[descriptor.FieldDescriptor, ...]:
        """Top-level request fields that neither the path nor the body fill."""
        if self.body == "*":
            return ()
        bound = {path.split(".")[0] for path in self.template.variables}
        return tuple(
            field
            for field in self.method.input_type.fields
            if field.name not in bound and field.name != self.body
        )


def bindings_of(service: descriptor.ServiceDescriptor) -> tuple[HttpBinding, ...]:
    """Every HTTP binding of every method of ``service``, additional ones included.

    Templates with a verb come first, so that a matcher trying them in order
    prefers ``/scans/{id}:listVulnerabilities`` to ``/scans/{id}``.
    """
    found: list[HttpBinding] = []
    for method in service.methods:
        found.extend(_method_bindings(method))
    return tuple(sorted(found, key=lambda binding: binding.template.verb is None))


def binding_of(method: descriptor.MethodDescriptor) -> HttpBinding:
    """The primary HTTP binding of ``method``."""
    bindings = _method_bindings(method)
    if not bindings:
        raise TemplateError(f"{method.full_name} has no google.api.http rule")
    return bindings[0]


@functools.cache
def _method_bindings(method: descriptor.MethodDescriptor) -> tuple[HttpBinding, ...]:
    options = method.GetOptions()
    if not options.HasExtension(annotations_pb2.http):
        return ()
    rule: http_pb2.HttpRule = options.Extensions[annotations_pb2.http]
    rules = [rule, *rule.additional_bindings]
    return tuple(_binding(method, r) for r in rules)


def _binding(
    method: descriptor.MethodDescriptor, rule: http_pb2.HttpRule
) -> HttpBinding:
    kind = rule.WhichOneof("pattern")
    if kind is None:
        raise TemplateError(f"{method.full_name} has an http rule with no pattern")
    if kind == "custom":
        http_method, path = rule.custom.kind.upper(), rule.custom.path
    else:
        http_method, path = kind.upper(), getattr(rule, kind)
    template = PathTemplate.parse(path)
    for field_path in template.variables:
        _field_descriptor(method.input_type, field_path)
    return HttpBinding(method, http_method, template, rule.body)


def _split_verb(body: str) -> tuple[str, str | None]:
    # A verb follows the last segment; a ':' inside braces is not a verb.
    depth = 0
    for index in range(len(body) - 1, -1, -1):
        char = body[index]
        if char == "}":
            depth += 1
        elif char == "{":
            depth -= 1
        elif char == "/" and depth == 0:
            return body, None
        elif char == ":" and depth == 0:
            return body[:index], body[index + 1 :]
    return body, None


def _split_segments(body: str, text: str) -> list[str]:
    parts: list[str] = []
    current = ""
    depth = 0
    for char in body:
        if char == "{":
            depth += 1
        elif char == "}":
            depth -= 1
        if depth not in (0, 1):
            raise TemplateError(f"path template {text!r} has unbalanced braces")
        if char == "/" and depth == 0:
            parts.append(current)
            current = ""
        else:
            current += char
    if depth != 0:
        raise TemplateError(f"path template {text!r} has unbalanced braces")
    parts.append(current)
    if any(part == "" for part in parts):
        raise TemplateError(f"path template {text!r} has an empty segment")
    return parts


def _parse_variable(part: str, text: str) -> _Variable:
    if not part.endswith("}"):
        raise TemplateError(f"path template {text!r} has a malformed variable {part!r}")
    inner = part[1:-1]
    field_path, equals, sub_template = inner.partition("=")
    if equals and not sub_template:
        raise TemplateError(
            f"path template {text!r} has an empty sub-template in {part!r}"
        )
    if not re.fullmatch(
        r"[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)*", field_path
    ):
        raise TemplateError(
            f"path template {text!r} binds a malformed field {field_path!r}"
        )
    segments = tuple(sub_template.split("/")) if sub_template else ("*",)
    for segment in segments:
        if not (segment in ("*", "**") or _LITERAL.match(segment)):
            raise TemplateError(
                f"path template {text!r} has a malformed variable {part!r}"
            )
    return _Variable(field_path, segments)


def _match_segments(
    pattern: tuple[_Segment, ...], parts: list[str], found: dict[str, str]
) -> bool:
    flat: list[tuple[str, _Variable | None]] = []
    for segment in pattern:
        if isinstance(segment, _Variable):
            flat.extend((sub, segment) for sub in segment.segments)
        else:
            flat.append((segment, None))

    captured: dict[_Variable, list[str]] = {}
    if not _match_flat(flat, parts, captured):
        return False
    for variable, values in captured.items():
        found[variable.field_path] = _decode(values, variable.is_single_segment)
    return True


def _match_flat(
    flat: list[tuple[str, _Variable | None]],
    parts: list[str],
    captured: dict[_Variable, list[str]],
) -> bool:
    if not flat:
        return not parts
    (segment, variable), rest = flat[0], flat[1:]
    if segment == "**":
        # '**' takes the shortest run that still lets the rest match.
        for taken in range(1, len(parts) - len(rest) + 1):
            attempt = dict(captured)
            if variable is not None:
                attempt[variable] = [*attempt.get(variable, []), *parts[:taken]]
            if _match_flat(rest, parts[taken:], attempt):
                captured.update(attempt)
                return True
        return False
    if not parts or parts[0] == "":
        return False
    if segment != "*" and parts[0] != segment:
        return False
    if variable is not None:
        captured[variable] = [*captured.get(variable, []), parts[0]]
    return _match_flat(rest, parts[1:], captured)


def _encode_segment(value: str) -> str:
    encoded = urllib.parse.quote(value, safe="")
    # HTTP libraries resolve '.' and '..' segments before sending.
    return encoded.replace(".", "%2E") if encoded in (".", "..") else encoded


_MALFORMED_ESCAPE = re.compile(r"%(?![0-9A-Fa-f]{2})")


def _decode(values: list[str], single_segment: bool) -> str:
    for value in values:
        if _MALFORMED_ESCAPE.search(value):
            raise ValueError(f"malformed percent-encoding in path segment {value!r}")
    try:
        if single_segment:
            return urllib.parse.unquote(values[0], errors="strict")
        # Reserved expansion: '%2F' stands for a slash inside a segment and stays.
        return "/".join(
            urllib.parse.unquote(re.sub("%2[Ff]", "%252F", value), errors="strict")
            for value in values
        )
    except UnicodeDecodeError as error:
        raise ValueError(f"path segment {values!r} does not decode as UTF-8") from error


def _field_value(message: Message, field_path: str) -> object:
    value: object = message
    for name in field_path.split("."):
        value = getattr(value, name)
    return value


def _field_descriptor(
    message_type: descriptor.Descriptor, field_path: str
) -> descriptor.FieldDescriptor:
    *parents, last = field_path.split(".")
    current = message_type
    for name in parents:
        parent = current.fields_by_name.get(name)
        if parent is None or parent.message_type is None:
            raise TemplateError(
                f"{message_type.full_name} has no message field {name!r} "
                f"for the path {field_path!r}"
            )
        current = parent.message_type
    field = current.fields_by_name.get(last)
    if field is None:
        raise TemplateError(f"{message_type.full_name} has no field {field_path!r}")
    return field
