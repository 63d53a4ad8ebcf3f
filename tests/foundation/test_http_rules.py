"""``scanner_grpc._http_rules``: parsing, expanding and matching path templates."""

from __future__ import annotations

import re

import pytest
from google.api import annotations_pb2
from google.protobuf import descriptor, descriptor_pb2, descriptor_pool
from google.protobuf.message import Message

from scanner_grpc import types
from scanner_grpc._generated.yandex.cloud.containerregistry.v1 import (
    scanner_service_pb2,
)
from scanner_grpc._generated.yandex.cloud.operation import operation_service_pb2
from scanner_grpc._http_rules import (
    HttpBinding,
    PathTemplate,
    TemplateError,
    binding_of,
    bindings_of,
)

SCANNER = scanner_service_pb2.DESCRIPTOR.services_by_name["ScannerService"]
OPERATIONS = operation_service_pb2.DESCRIPTOR.services_by_name["OperationService"]

# Every HTTP rule of the API, as the reference states them: method, HTTP
# method, path template, body, and the request fields left to the query.
SCANNER_RULES = {
    "Scan": ("POST", "/container-registry/v1/scans", "*", ()),
    "Get": ("GET", "/container-registry/v1/scans/{scan_result_id}", "", ()),
    "GetLast": (
        "GET",
        "/container-registry/v1/images/{image_id}:lastScanResult",
        "",
        (),
    ),
    "List": (
        "GET",
        "/container-registry/v1/scans",
        "",
        ("image_id", "repository_id", "page_size", "page_token", "filter", "order_by"),
    ),
    "ListVulnerabilities": (
        "GET",
        "/container-registry/v1/scans/{scan_result_id}:listVulnerabilities",
        "",
        ("page_size", "page_token", "filter", "order_by"),
    ),
}
OPERATION_RULES = {
    "Get": ("GET", "/operations/{operation_id}", "", ()),
    "Cancel": ("GET", "/operations/{operation_id}:cancel", "", ()),
}

# Identifiers that could break out of a path segment if not encoded.
AWKWARD_IDS = [
    "crp1a2b3c4d5e6f7g8h9",
    "../x",  # a traversal attempt
    "a/b",  # a slash would add a segment
    "?",  # would start a query
    "#",  # would start a fragment
    "%2F",  # an already-encoded slash must arrive as the three characters
    ".",  # dot segments are collapsed by HTTP clients
    "..",
    "...",  # not a dot segment; may stay as it is
    "ключ",  # non-ASCII, two bytes per character in UTF-8
    "日本語",
    "\U0001f600",  # outside the BMP: four bytes in UTF-8
    "a b",
    ":",
    "a:listVulnerabilities",  # must not turn Get into ListVulnerabilities
    "~-_.",  # unreserved: no encoding needed
    "%",
    "+&=;@$,",
]

MALFORMED_ESCAPES = [
    "%",  # nothing after the percent sign
    "a%",
    "%2",  # one hex digit
    "%zz",  # not hex
    "%C3",  # the first byte of a two-byte UTF-8 sequence, alone
    "%C3%28",  # a lead byte followed by a non-continuation byte
    "%FF",  # never valid in UTF-8
]

_SEGMENT = re.compile(r"^[-_.~0-9A-Za-z%]+$")


def _route(path: str) -> tuple[str, dict[str, str]] | None:
    """The first of the scanner's bindings that matches ``path``, as a router would."""
    for binding in bindings_of(SCANNER):
        found = binding.template.match(path)
        if found is not None:
            return binding.method.name, found
    return None


def _rules(service: descriptor.ServiceDescriptor) -> dict[str, tuple[object, ...]]:
    return {
        b.method.name: (
            b.http_method,
            b.template.text,
            b.body,
            tuple(field.name for field in b.query_fields()),
        )
        for b in bindings_of(service)
    }


def test_http_rules_scanner_service_has_the_reference_rules() -> None:
    assert _rules(SCANNER) == SCANNER_RULES


def test_http_rules_operation_service_has_the_reference_rules() -> None:
    assert _rules(OPERATIONS) == OPERATION_RULES


def test_http_rules_bindings_put_verb_templates_first() -> None:
    verbs = [binding.template.verb is not None for binding in bindings_of(SCANNER)]
    assert verbs == sorted(verbs, reverse=True)
    assert verbs.count(True) == 2


def test_http_rules_binding_of_gives_the_primary_binding() -> None:
    get = binding_of(SCANNER.methods_by_name["Get"])
    assert isinstance(get, HttpBinding)
    assert get.template.variables == ("scan_result_id",)
    assert get.template.verb is None
    assert binding_of(SCANNER.methods_by_name["GetLast"]).template.verb == (
        "lastScanResult"
    )


@pytest.mark.parametrize(
    ("method", "request_message", "expected"),
    [
        (
            "Get",
            types.GetScanResultRequest(scan_result_id="crp1"),
            "/container-registry/v1/scans/crp1",
        ),
        (
            "GetLast",
            types.GetLastScanResultRequest(image_id="img1"),
            "/container-registry/v1/images/img1:lastScanResult",
        ),
        (
            "ListVulnerabilities",
            types.ListVulnerabilitiesRequest(scan_result_id="crp1", page_size=5),
            "/container-registry/v1/scans/crp1:listVulnerabilities",
        ),
        (
            "List",
            types.ListScanResultsRequest(image_id="img1"),
            "/container-registry/v1/scans",
        ),
        ("Scan", types.ScanRequest(image_id="img1"), "/container-registry/v1/scans"),
    ],
)
def test_http_rules_expand_builds_the_reference_paths(
    method: str, request_message: Message, expected: str
) -> None:
    template = binding_of(SCANNER.methods_by_name[method]).template
    assert template.expand(request_message) == expected


@pytest.mark.parametrize("value", AWKWARD_IDS)
@pytest.mark.parametrize(
    ("method", "make", "field"),
    [
        ("Get", types.GetScanResultRequest, "scan_result_id"),
        ("GetLast", types.GetLastScanResultRequest, "image_id"),
        ("ListVulnerabilities", types.ListVulnerabilitiesRequest, "scan_result_id"),
    ],
)
def test_http_rules_expand_then_route_round_trips(
    method: str, make: type[Message], field: str, value: str
) -> None:
    template = binding_of(SCANNER.methods_by_name[method]).template
    path = template.expand(make(**{field: value}))
    # The value stays inside its one segment, in characters that no HTTP
    # library rewrites.
    prefix = "/container-registry/v1/" + (
        "images/" if method == "GetLast" else "scans/"
    )
    assert path.startswith(prefix)
    segment = path[len(prefix) :]
    if template.verb is not None:
        segment = segment.removesuffix(":" + template.verb)
    assert _SEGMENT.match(segment), segment
    assert segment not in (".", "..")
    assert _route(path) == (method, {field: value})


@pytest.mark.parametrize("raw", MALFORMED_ESCAPES)
def test_http_rules_match_refuses_malformed_percent_encoding(raw: str) -> None:
    template = binding_of(SCANNER.methods_by_name["Get"]).template
    with pytest.raises(ValueError, match=r"percent-encoding|UTF-8"):
        template.match("/container-registry/v1/scans/" + raw)


@pytest.mark.parametrize(
    "path",
    [
        "/container-registry/v1/scans",  # Get needs an id
        "/container-registry/v1/scans/",  # an empty id
        "/container-registry/v1/scans/a/b",  # one segment too many
        "/container-registry/v1/scans/a/",
        "container-registry/v1/scans/a",  # not absolute
        "//container-registry/v1/scans/a",
        "/container-registry/v2/scans/a",
        "/container-registry/v1/scans/a:lastScanResult/x",
    ],
)
def test_http_rules_match_refuses_paths_of_other_shapes(path: str) -> None:
    assert binding_of(SCANNER.methods_by_name["Get"]).template.match(path) is None


def test_http_rules_match_requires_the_exact_verb() -> None:
    template = binding_of(SCANNER.methods_by_name["GetLast"]).template
    assert template.match("/container-registry/v1/images/img1:lastScanResult") == {
        "image_id": "img1"
    }
    assert template.match("/container-registry/v1/images/img1") is None
    assert template.match("/container-registry/v1/images/img1:other") is None
    assert template.match("/container-registry/v1/images/:lastScanResult") is None


def test_http_rules_route_prefers_the_verb_to_a_colon_in_an_id() -> None:
    assert _route("/container-registry/v1/scans/crp1:listVulnerabilities") == (
        "ListVulnerabilities",
        {"scan_result_id": "crp1"},
    )
    assert _route("/container-registry/v1/scans/crp1%3AlistVulnerabilities") == (
        "Get",
        {"scan_result_id": "crp1:listVulnerabilities"},
    )


MULTI = PathTemplate.parse("/v1/{name=projects/*/files/**}:download")


def test_http_rules_parse_multi_segment_variable() -> None:
    assert MULTI.variables == ("name",)
    assert MULTI.verb == "download"
    assert MULTI.segments[0] == "v1"


@pytest.mark.parametrize(
    "value",
    [
        "projects/p1/files/a",
        "projects/p1/files/a/b/c",  # ** takes several segments
        "projects/p 1/files/x?y#z",
        "projects/p/files/a%2Fb",  # a literal percent sign survives
        "projects/ключ/files/日本/x",
        "projects/p/files/a:b",
    ],
)
def test_http_rules_multi_segment_round_trips(value: str) -> None:
    # PackageVulnerability.name stands in for a resource name field.
    path = MULTI.expand(types.PackageVulnerability(name=value))
    assert not {"?", "#", " "} & set(path)
    assert MULTI.match(path) == {"name": value}


def test_http_rules_multi_segment_keeps_encoded_slashes_encoded() -> None:
    # Reserved expansion: %2F inside a multi-segment variable is not a slash.
    assert MULTI.match("/v1/projects/p/files/a%2Fb/c:download") == {
        "name": "projects/p/files/a%2Fb/c"
    }
    assert MULTI.match("/v1/projects/p%20q/files/a:download") == {
        "name": "projects/p q/files/a"
    }


@pytest.mark.parametrize(
    "path",
    [
        "/v1/projects/p/files:download",  # ** needs at least one segment
        "/v1/other/p/files/a:download",
        "/v1/projects/p/files/a:upload",
        "/v1/projects/p/files/a",
    ],
)
def test_http_rules_multi_segment_refuses_other_paths(path: str) -> None:
    assert MULTI.match(path) is None


@pytest.mark.parametrize("raw", MALFORMED_ESCAPES)
def test_http_rules_multi_segment_refuses_malformed_percent_encoding(raw: str) -> None:
    with pytest.raises(ValueError, match=r"percent-encoding|UTF-8"):
        MULTI.match(f"/v1/projects/p/files/{raw}:download")


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("", "must start with '/'"),
        ("container-registry/v1/scans", "must start with '/'"),
        ("/", "empty segment"),
        ("/a//b", "empty segment"),
        ("/a/", "empty segment"),
        ("/a/{b", "unbalanced braces"),
        ("/a/{b}}", "unbalanced braces"),
        ("/a/{b={c}}", "unbalanced braces"),
        ("/a/{1b}", "malformed field '1b'"),
        ("/a/{}", "malformed field ''"),
        ("/a/{b.}", "malformed field 'b.'"),
        ("/a:", "malformed verb ''"),
        ("/a/b:c:d", "malformed segment 'b:c'"),
        ("/a/*x", "malformed segment '*x'"),
        ("/a/{b}c", "malformed variable '{b}c'"),
        ("/a/{b=c//d}", "malformed variable"),
    ],
)
def test_http_rules_parse_names_the_problem(text: str, problem: str) -> None:
    with pytest.raises(TemplateError, match=re.escape(problem)) as caught:
        PathTemplate.parse(text)
    # The whole template is quoted, so the message stands on its own.
    assert repr(text) in str(caught.value)
    assert isinstance(caught.value, ValueError)


def _service(package: str, *methods: str) -> descriptor.ServiceDescriptor:
    """A throwaway service whose methods carry unusual HTTP rules.

    Each name in ``methods`` is one of: ``NoRule`` (no option), ``Custom`` (a
    custom HEAD rule with an additional POST binding), ``Unbound`` (binds a
    field the request lacks), ``NoPattern`` (a rule with only a body).
    """
    file = descriptor_pb2.FileDescriptorProto(
        name=f"{package}/rules.proto", package=package, syntax="proto3"
    )
    request = file.message_type.add(name="Request")
    request.field.add(
        name="name",
        number=1,
        type=descriptor_pb2.FieldDescriptorProto.TYPE_STRING,
        label=descriptor_pb2.FieldDescriptorProto.LABEL_OPTIONAL,
    )
    service = file.service.add(name="Things")
    for name in methods:
        method = service.method.add(
            name=name,
            input_type=f".{package}.Request",
            output_type=f".{package}.Request",
        )
        rule = method.options.Extensions[annotations_pb2.http]
        if name == "Custom":
            rule.custom.kind = "head"
            rule.custom.path = "/v1/things/{name}"
            rule.additional_bindings.add(post="/v1/things/{name}:touch", body="*")
        elif name == "Unbound":
            rule.get = "/v1/{missing}"
        elif name == "NoPattern":
            rule.body = "*"
        else:
            method.ClearField("options")
    pool = descriptor_pool.DescriptorPool()
    pool.AddSerializedFile(file.SerializeToString())
    return pool.FindServiceByName(f"{package}.Things")


def test_http_rules_custom_and_additional_bindings() -> None:
    things = _service("custom.rules", "Custom", "NoRule")
    custom = binding_of(things.methods_by_name["Custom"])
    assert (custom.http_method, custom.template.text) == ("HEAD", "/v1/things/{name}")
    assert [(b.http_method, b.template.text, b.body) for b in bindings_of(things)] == [
        ("POST", "/v1/things/{name}:touch", "*"),  # the verb template first
        ("HEAD", "/v1/things/{name}", ""),
    ]


@pytest.mark.parametrize(
    ("method", "problem"),
    [
        ("NoRule", "broken.rules.Things.NoRule has no google.api.http rule"),
        ("NoPattern", "broken.rules.Things.NoPattern has an http rule with no pattern"),
        ("Unbound", "broken.rules.Request has no field 'missing'"),
    ],
)
def test_http_rules_binding_of_names_a_broken_rule(method: str, problem: str) -> None:
    things = _service("broken.rules", "NoRule", "NoPattern", "Unbound")
    with pytest.raises(TemplateError, match=re.escape(problem)):
        binding_of(things.methods_by_name[method])


def test_http_rules_expand_refuses_an_empty_path_variable() -> None:
    # GetLastScanResultRequest.image_id is not required by the protos, so
    # validation lets "" through, and "/images/:lastScanResult" matches no
    # route at all: the caller should hear which field is empty instead.
    template = binding_of(SCANNER.methods_by_name["GetLast"]).template
    with pytest.raises(ValueError, match="image_id"):
        template.expand(types.GetLastScanResultRequest(image_id=""))


def test_http_rules_multi_segment_expand_encodes_dot_segments() -> None:
    # HTTP clients collapse "." and ".." segments before sending, which
    # would send the request to another resource.
    for value in ["projects/p/files/..", "projects/p/files/./x", "projects/../files/x"]:
        path = MULTI.expand(types.PackageVulnerability(name=value))
        segments = path.removesuffix(":download").split("/")
        assert not {".", ".."} & set(segments), path
        assert MULTI.match(path) == {"name": value}


def test_http_rules_multi_segment_expand_refuses_a_value_off_the_template() -> None:
    # The expanded path would match no route; say so before sending it.
    for value in ["foo", "projects/p", "files/a/projects/p"]:
        with pytest.raises(ValueError, match="name"):
            MULTI.expand(types.PackageVulnerability(name=value))


def test_http_rules_parse_refuses_more_malformed_templates() -> None:
    for text in [
        "/a/{b=}",  # an empty sub-template, read today as {b}
        "/{a}/{a}",  # one field bound twice
    ]:
        with pytest.raises(TemplateError):
            PathTemplate.parse(text)
