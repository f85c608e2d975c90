#!/usr/bin/python3
"""Checks the exchanges `shipwatch sim --record DIR` wrote against botocore's service models.

Usage: botocore_shapes.py DIR...      exit 0: all valid; 1: problems (one line each); 77: no botocore
                                      (1 when SHIPWATCH_REQUIRE_BOTOCORE is set, as in CI)

The AWS service models in Debian's python3-botocore are the authority on what AWS accepts and
answers. For every recorded AWS call (DIR/NNNNNN-*.json, see sim/sim_server.cpp) this checks:
  - the request against the operation's input shape: a JSON 1.1 body with botocore's own
    ParamValidator; a Query form unflattened along the input shape first (EC2's and ELBv2's
    serialized names), every field accounted for; enum values too (ParamValidator leaves those);
  - a 200 answer against the output shape, strictly: unknown members, JSON types (JSON 1.1
    timestamps are epoch numbers, XML ones ISO-8601), required members, enum values; Query/XML
    answers element by element (ELBv2 `member` lists, EC2 `item` lists and lower-camel names).
    botocore has no output validator, and its parsers drop what they do not know, so the
    walker is ours;
  - an error answer: its code is declared by the operation or is one of COMMON_ERRORS.
GitHub and version-endpoint exchanges are counted, not checked (botocore has no model of them).
"""
import base64
import glob
import json
import os
import re
import sys
import xml.etree.ElementTree as ET

try:
    import botocore.exceptions
    import botocore.session
    import botocore.validate
except ImportError:
    print(f"{sys.executable} has no botocore (Debian: apt-get install python3-botocore)")
    # CI (.ci/run) sets SHIPWATCH_REQUIRE_BOTOCORE: there a missing model is a failure, not a skip.
    sys.exit(1 if os.environ.get("SHIPWATCH_REQUIRE_BOTOCORE") else 77)

# Errors an AWS front end answers before (or besides) the operation, so no operation declares
# them: authentication and signing, throttling, protocol framing, internal failures. From the
# "Common Errors" pages of the API references (ECS, ELBv2, EC2 ...), plus the two spellings
# JSON and Query services use for the same condition.
COMMON_ERRORS = {
    # authentication, signing, authorization
    "AccessDenied", "AccessDeniedException", "AuthFailure", "ExpiredToken", "ExpiredTokenException",
    "IncompleteSignature", "IncompleteSignatureException", "InvalidClientTokenId", "InvalidSignatureException",
    "MissingAuthenticationToken", "MissingAuthenticationTokenException", "NotAuthorized", "OptInRequired",
    "RequestExpired", "SignatureDoesNotMatch", "UnauthorizedOperation", "UnrecognizedClientException",
    # throttling and availability
    "Throttling", "ThrottlingException", "RequestLimitExceeded", "TooManyRequestsException",
    "ServiceUnavailable", "ServiceUnavailableException", "InternalFailure", "InternalError",
    "InternalServerError",
    # framing and parameters, before the operation runs
    "InvalidAction", "MissingAction", "UnknownOperationException", "SerializationException",
    "InvalidParameterCombination", "InvalidParameterValue", "InvalidQueryParameter", "MalformedQueryString",
    "MissingParameter", "ValidationError", "ValidationException", "InvalidParameter",
}

# EC2 declares no errors in its model: its codes are documented only in the "Error codes for the
# Amazon EC2 API" page. The ones DescribeInstances can answer:
EC2_ERRORS = {"InvalidInstanceID.NotFound", "InvalidInstanceID.Malformed", "InvalidNextToken",
              "InvalidFilter", "InvalidID"}

# Which botocore service a signing name may be; the one whose targetPrefix (JSON) or apiVersion
# (Query) matches the request is taken. Unlisted signing names are tried as service names.
SERVICES_BY_SIGNING_NAME = {"elasticloadbalancing": ["elbv2", "elb"], "ecr-public": ["ecr-public"]}

# Members AWS added after the newest model Debian ships (python3-botocore 1.29, Dec 2022), which
# shipwatch reads or the simulator answers: accepted in answers only where listed, only while the
# installed model lacks them (a model that has one checks it itself), and only of the listed type
# and values, member by member (the walker checks them as it would a model's). Everything else
# unknown stays a problem. A type is (kind, detail): "string" (detail: its values, or None),
# "integer", "double", "document" (any JSON), "list" (detail: the item's type) or "structure"
# (detail: its members' types), as the ECS API reference documents them.
ECS_LIFECYCLE_STAGES = {"RECONCILE_SERVICE", "PRE_SCALE_UP", "POST_SCALE_UP", "TEST_TRAFFIC_SHIFT",
                        "POST_TEST_TRAFFIC_SHIFT", "PRODUCTION_TRAFFIC_SHIFT", "POST_PRODUCTION_TRAFFIC_SHIFT"}
NEWER_THAN_MODEL = {
    # ECS API 2014-11-13, ECS-native blue/green (July 2025): the strategy, its bake time and the
    # lifecycle hooks; LINEAR and CANARY joined the strategy's values late in 2025.
    ("ecs", "DeploymentConfiguration"): {
        "strategy": ("string", {"ROLLING", "BLUE_GREEN", "LINEAR", "CANARY"}),
        "bakeTimeInMinutes": ("integer", None),
        "lifecycleHooks": ("list", ("structure", {
            "hookTargetArn": ("string", None),
            "roleArn": ("string", None),
            "lifecycleStages": ("list", ("string", ECS_LIFECYCLE_STAGES)),
            "hookDetails": ("document", None),
        })),
    },
    # ECS API 2014-11-13, ECS-native blue/green (July 2025): per load balancer, the alternate
    # target group and the listener rules ECS switches between the colours.
    ("ecs", "LoadBalancer"): {
        "advancedConfiguration": ("structure", {
            "alternateTargetGroupArn": ("string", None),
            "productionListenerRule": ("string", None),
            "testListenerRule": ("string", None),
            "roleArn": ("string", None),
        }),
    },
}

ISO8601 = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:?\d\d)$")
MISSING = object()


class Checker:
    def __init__(self):
        self.session = botocore.session.get_session()
        self.models = {}
        self.problems = []
        self.counts = {"aws": 0, "other": 0, "operations": set()}
        self.service = ""  # the botocore service of the record being checked

    def problem(self, where, path, message):
        self.problems.append(f"{where}: {path or '(top)'}: {message}")

    def model(self, name):
        if name not in self.models:
            try:
                self.models[name] = self.session.get_service_model(name)
            except botocore.exceptions.UnknownServiceError:
                self.models[name] = None
        return self.models[name]

    def service_for(self, record):
        signing = record.get("service", "")
        form = record["request"].get("form", {})
        target = header(record["request"], "X-Amz-Target")
        for name in SERVICES_BY_SIGNING_NAME.get(signing, [signing]):
            m = self.model(name) if name else None
            if m is None:
                continue
            if record["protocol"] == "json" and target.split(".")[0] == m.metadata.get("targetPrefix"):
                return m
            if record["protocol"] in ("query", "ec2") and form.get("Version") == m.metadata.get("apiVersion"):
                return m
        return None

    # ---- one record ------------------------------------------------------------------------

    def check_file(self, path):
        record = json.load(open(path))
        name = label(path)
        if record.get("protocol") not in ("json", "query", "ec2"):
            self.counts["other"] += 1
            return
        self.counts["aws"] += 1
        where = f"{name}: {record.get('service')}:{record.get('operation')}"
        response = record["response"]
        if response["status"] == 0:
            return  # no answer (an injected refusal): nothing to check
        model = self.service_for(record)
        if model is None:
            return self.problem(where, "", f"no botocore model for service '{record.get('service')}' "
                                           f"with this X-Amz-Target or Version")
        try:
            op = model.operation_model(record["operation"])
        except botocore.exceptions.OperationNotFoundError:
            if response["status"] == 200:
                return self.problem(where, "", f"{model.service_name} has no operation '{record['operation']}'")
            return self.check_error(where, record, None)
        self.counts["operations"].add(f"{model.service_name}:{op.name}")
        self.service = model.service_name
        if record["protocol"] == "json" and not header(response, "x-amzn-RequestId"):
            self.problem(where, "answer", "no x-amzn-RequestId header (JSON 1.1 answers carry one)")
        self.check_request(where, record, model, op)
        if response["status"] == 200:
            self.check_answer(where, record, model, op)
        else:
            self.check_error(where, record, op)

    # ---- requests --------------------------------------------------------------------------

    def check_request(self, where, record, model, op):
        request = record["request"]
        if record["protocol"] == "json":
            want = f"application/x-amz-json-{model.metadata.get('jsonVersion', '1.0')}"
            if header(request, "Content-Type").split(";")[0].strip() != want:
                self.problem(where, "request", f"Content-Type {header(request, 'Content-Type')!r}, AWS wants {want}")
            body = request.get("body", "")
            try:
                params = json.loads(body) if body else {}
            except ValueError as e:
                return self.problem(where, "request", f"body is not JSON: {e}")
        else:
            form = dict(request.get("form", {}))
            if form.pop("Action", None) != op.name:
                self.problem(where, "request.Action", "does not name the operation")
            form.pop("Version", None)
            used = set()
            params = self.read_form(where, form, op.input_shape, "", record["protocol"] == "ec2", used) \
                if op.input_shape else {}
            if params is MISSING:
                params = {}
            for key in sorted(set(form) - used):
                self.problem(where, f"request.{key}", f"not a parameter of {op.name}")
        if op.input_shape is None:
            if params:
                self.problem(where, "request", f"{op.name} takes no input")
            return
        report = botocore.validate.ParamValidator().validate(params, op.input_shape)
        if report.has_errors():
            for line in report.generate_report().splitlines():
                self.problem(where, "request", line.strip())
        self.check_enums(where, params, op.input_shape, "request")

    def read_form(self, where, form, shape, prefix, ec2, used):
        """A Query form back into parameters, as botocore's QuerySerializer / EC2Serializer write them."""
        kind = shape.type_name
        if kind == "structure":
            out = {}
            for name, member in shape.members.items():
                key = f"{prefix}.{form_name(member, name, ec2)}" if prefix else form_name(member, name, ec2)
                value = self.read_form(where, form, member, key, ec2, used)
                if value is not MISSING:
                    out[name] = value
            return out if out else MISSING
        if kind == "list":
            if form.get(prefix) == "" and not ec2:
                used.add(prefix)
                return []
            if ec2 or shape.serialization.get("flattened"):
                item_prefix = prefix
                if not ec2 and shape.member.serialization.get("name"):
                    item_prefix = ".".join(prefix.split(".")[:-1] + [shape.member.serialization["name"]])
            else:
                item_prefix = f"{prefix}.{shape.member.serialization.get('name', 'member')}"
            items, i = [], 1
            while any(k == f"{item_prefix}.{i}" or k.startswith(f"{item_prefix}.{i}.") for k in form):
                value = self.read_form(where, form, shape.member, f"{item_prefix}.{i}", ec2, used)
                items.append(None if value is MISSING else value)
                i += 1
            return items if items else MISSING
        if kind == "map":
            entry = prefix if shape.serialization.get("flattened") else f"{prefix}.entry"
            key_name = shape.key.serialization.get("name", "key")
            value_name = shape.value.serialization.get("name", "value")
            out, i = {}, 1
            while f"{entry}.{i}.{key_name}" in form:
                used.add(f"{entry}.{i}.{key_name}")
                value = self.read_form(where, form, shape.value, f"{entry}.{i}.{value_name}", ec2, used)
                out[form[f"{entry}.{i}.{key_name}"]] = None if value is MISSING else value
                i += 1
            return out if out else MISSING
        if prefix not in form:
            return MISSING
        used.add(prefix)
        text = form[prefix]
        try:
            if kind in ("integer", "long"):
                return int(text)
            if kind in ("float", "double"):
                return float(text)
            if kind == "boolean":
                if text not in ("true", "false"):
                    raise ValueError("not true or false")
                return text == "true"
        except ValueError:
            self.problem(where, f"request.{prefix}", f"{text!r} is not {article(kind)} {kind}")
            return MISSING
        return text

    def check_enums(self, where, value, shape, path):
        kind = shape.type_name
        if kind == "structure" and isinstance(value, dict):
            for name, item in value.items():
                if name in shape.members:
                    self.check_enums(where, item, shape.members[name], f"{path}.{name}")
        elif kind == "list" and isinstance(value, list):
            for i, item in enumerate(value):
                self.check_enums(where, item, shape.member, f"{path}[{i}]")
        elif kind == "map" and isinstance(value, dict):
            for key, item in value.items():
                self.check_enums(where, item, shape.value, f"{path}.{key}")
        elif kind == "string" and isinstance(value, str) and shape.enum and value not in shape.enum:
            self.problem(where, path, f"{value!r} is not one of {shape.name}'s values {sorted(shape.enum)}")

    # ---- answers ---------------------------------------------------------------------------

    def check_answer(self, where, record, model, op):
        response = record["response"]
        body = response["body"]
        if record["protocol"] == "json":
            if not response["content_type"].startswith("application/x-amz-json-"):
                self.problem(where, "answer", f"Content-Type {response['content_type']!r} for a JSON 1.1 answer")
            try:
                value = json.loads(body) if body else {}
            except ValueError as e:
                return self.problem(where, "answer", f"body is not JSON: {e}")
            if op.output_shape is None:
                if value:
                    self.problem(where, "answer", f"{op.name} answers no members")
                return
            self.walk_json(where, value, op.output_shape, "answer")
            return
        try:
            root = ET.fromstring(body)
        except ET.ParseError as e:
            return self.problem(where, "answer", f"body is not XML: {e}")
        want = model.metadata.get("xmlNamespace", "").rstrip("/")  # EC2's model has no slash, its answers do
        have = root.tag[1:].split("}", 1)[0].rstrip("/") if root.tag.startswith("{") else ""
        if want and have != want:
            self.problem(where, "answer", f"XML namespace {have!r}, the model's is {want!r}")
        self.walk_query_answer(where, root, op, record["protocol"] == "ec2")

    def walk_json(self, where, value, shape, path):
        kind = shape.type_name
        if value is None:
            return self.problem(where, path, f"null where {shape.name} ({kind}) belongs; AWS leaves a member out")
        if kind == "structure":
            if not isinstance(value, dict):
                return self.wrong_type(where, path, value, shape)
            names = {m.serialization.get("name", n): (n, m) for n, m in shape.members.items()}
            newer = NEWER_THAN_MODEL.get((self.service, shape.name), {})
            for key, item in value.items():
                if key in newer and key not in names:
                    self.check_newer(where, f"{path}.{key}", item, *newer[key])
                elif key not in names:
                    self.problem(where, f"{path}.{key}", f"{shape.name} has no member '{key}'")
                else:
                    self.walk_json(where, item, names[key][1], f"{path}.{key}")
            for required in shape.required_members:
                key = shape.members[required].serialization.get("name", required)
                if key not in value:
                    self.problem(where, f"{path}.{key}", f"required by {shape.name} but missing")
        elif kind == "list":
            if not isinstance(value, list):
                return self.wrong_type(where, path, value, shape)
            for i, item in enumerate(value):
                self.walk_json(where, item, shape.member, f"{path}[{i}]")
        elif kind == "map":
            if not isinstance(value, dict):
                return self.wrong_type(where, path, value, shape)
            for key, item in value.items():
                self.walk_json(where, key, shape.key, f"{path}.{key}(key)")
                self.walk_json(where, item, shape.value, f"{path}.{key}")
        elif kind == "timestamp":
            fmt = shape.serialization.get("timestampFormat", "unixTimestamp")
            if fmt == "unixTimestamp" and not is_number(value):
                self.problem(where, path, f"{value!r}: a JSON 1.1 timestamp is epoch seconds (a number)")
            elif fmt == "iso8601" and not (isinstance(value, str) and ISO8601.match(value)):
                self.problem(where, path, f"{value!r}: {shape.name} is an ISO-8601 timestamp")
        else:
            self.check_scalar(where, path, value, shape)

    def check_newer(self, where, path, value, kind, detail):
        newer = f"a member newer than botocore {botocore.__version__}"
        ok = {
            "string": isinstance(value, str),
            "integer": isinstance(value, int) and not isinstance(value, bool),
            "double": is_number(value),
            "list": isinstance(value, list),
            "structure": isinstance(value, dict),
        }.get(kind, True)  # document: any JSON value
        if value is None:
            return self.problem(where, path, f"null where {article(kind)} {kind} belongs ({newer}); AWS leaves a member out")
        if not ok:
            return self.problem(where, path, f"{json.dumps(value)[:60]} (a JSON {json_type(value)}) where {article(kind)} "
                                             f"{kind} belongs ({newer})")
        if kind == "string" and detail and value not in detail:
            self.problem(where, path, f"{value!r} is not one of {sorted(detail)}")
        elif kind == "list":
            for i, item in enumerate(value):
                self.check_newer(where, f"{path}[{i}]", item, *detail)
        elif kind == "structure":
            name = path.rsplit(".", 1)[-1]
            for key, item in value.items():
                if key in detail:
                    self.check_newer(where, f"{path}.{key}", item, *detail[key])
                else:
                    self.problem(where, f"{path}.{key}", f"{name} ({newer}) has no member '{key}'")

    def check_scalar(self, where, path, value, shape):
        kind = shape.type_name
        ok = {
            "string": isinstance(value, str),
            "integer": isinstance(value, int) and not isinstance(value, bool),
            "long": isinstance(value, int) and not isinstance(value, bool),
            "float": is_number(value),
            "double": is_number(value),
            "boolean": isinstance(value, bool),
            "blob": isinstance(value, str) and is_base64(value),
        }.get(kind, True)  # document and anything newer: any JSON value
        if not ok:
            return self.wrong_type(where, path, value, shape)
        if kind == "string" and shape.enum and value not in shape.enum:
            self.problem(where, path, f"{value!r} is not one of {shape.name}'s values {sorted(shape.enum)}")

    def wrong_type(self, where, path, value, shape):
        self.problem(where, path, f"{json.dumps(value)[:60]} (a JSON {json_type(value)}) where {shape.name}, "
                                  f"{article(shape.type_name)} {shape.type_name}, belongs")

    # ---- Query / EC2 XML answers -----------------------------------------------------------

    def walk_query_answer(self, where, root, op, ec2):
        if local(root.tag) != f"{op.name}Response":
            return self.problem(where, "answer", f"root element <{local(root.tag)}>, expected <{op.name}Response>")
        if ec2:
            # EC2: the members are children of the root, next to <requestId>.
            extra = {"requestId"}
            return self.walk_xml_structure(where, root, op.output_shape, "answer", ec2, extra)
        wrapper = op.output_shape.serialization.get("resultWrapper") if op.output_shape else None
        for child in root:
            tag = local(child.tag)
            if tag == "ResponseMetadata":
                if [local(c.tag) for c in child] != ["RequestId"]:
                    self.problem(where, "answer.ResponseMetadata", "must hold exactly one <RequestId>")
            elif wrapper and tag == wrapper:
                self.walk_xml_structure(where, child, op.output_shape, f"answer.{wrapper}", ec2, set())
            else:
                self.problem(where, f"answer.{tag}", f"unexpected element in <{op.name}Response>")
        if wrapper and root.find(f"{{*}}{wrapper}") is None and root.find(wrapper) is None:
            self.problem(where, f"answer.{wrapper}", "missing")

    def walk_xml(self, where, elem, shape, path, ec2):
        kind = shape.type_name
        if kind == "structure":
            return self.walk_xml_structure(where, elem, shape, path, ec2, set())
        if kind == "list":
            item = shape.member.serialization.get("name", "member")
            for i, child in enumerate(elem):
                if local(child.tag) != item:
                    self.problem(where, f"{path}.{local(child.tag)}", f"list items of {shape.name} are <{item}>")
                else:
                    self.walk_xml(where, child, shape.member, f"{path}[{i}]", ec2)
            return
        if kind == "map":
            for i, entry in enumerate(elem):
                key, value = shape.key.serialization.get("name", "key"), shape.value.serialization.get("name", "value")
                tags = {local(c.tag): c for c in entry}
                if local(entry.tag) != "entry" or set(tags) - {key, value} or key not in tags:
                    self.problem(where, f"{path}[{i}]", f"map entries of {shape.name} are <entry><{key}/><{value}/>")
                elif value in tags:
                    self.walk_xml(where, tags[value], shape.value, f"{path}.{tags[key].text}", ec2)
            return
        if len(elem):
            return self.problem(where, path, f"<{local(elem[0].tag)}> inside {shape.name}, a {kind}")
        text = elem.text or ""
        self.check_xml_scalar(where, path, text, shape)

    def walk_xml_structure(self, where, elem, shape, path, ec2, extra):
        if shape is None:
            return
        by_tag = {}
        for name, member in shape.members.items():
            tag = member.serialization.get("name", name)
            flattened = member.type_name == "list" and member.serialization.get("flattened")
            if flattened:
                tag = member.member.serialization.get("name", tag)
            by_tag[tag] = (name, member, flattened)
        seen = {}
        for child in elem:
            tag = local(child.tag)
            if tag in extra:
                continue
            if tag not in by_tag:
                self.problem(where, f"{path}.{tag}", f"{shape.name} has no member <{tag}>"
                             + (" (EC2 names members in lower camel case)" if ec2 and tag[:1].isupper() else ""))
                continue
            name, member, flattened = by_tag[tag]
            seen[tag] = seen.get(tag, 0) + 1
            if seen[tag] > 1 and not flattened:
                self.problem(where, f"{path}.{tag}", "appears more than once")
            self.walk_xml(where, child, member.member if flattened else member,
                          f"{path}.{tag}" + (f"[{seen[tag] - 1}]" if flattened else ""), ec2)
        for required in shape.required_members:
            tag = shape.members[required].serialization.get("name", required)
            if tag not in seen:
                self.problem(where, f"{path}.{tag}", f"required by {shape.name} but missing")

    def check_xml_scalar(self, where, path, text, shape):
        kind = shape.type_name
        ok = True
        if kind in ("integer", "long"):
            ok = re.fullmatch(r"-?\d+", text) is not None
        elif kind in ("float", "double"):
            ok = re.fullmatch(r"-?(\d+(\.\d*)?|\.\d+)([eE][-+]?\d+)?", text) is not None
        elif kind == "boolean":
            ok = text in ("true", "false")
        elif kind == "timestamp":
            ok = ISO8601.match(text) is not None
        elif kind == "blob":
            ok = is_base64(text)
        if not ok:
            return self.problem(where, path, f"{text!r} is not {article(kind)} {kind} ({shape.name})")
        if kind == "string" and shape.enum and text not in shape.enum:
            self.problem(where, path, f"{text!r} is not one of {shape.name}'s values {sorted(shape.enum)}")

    # ---- errors ----------------------------------------------------------------------------

    def check_error(self, where, record, op):
        response = record["response"]
        code = error_code(record["protocol"], response["body"])
        if code is None:
            return self.problem(where, "error", f"status {response['status']} without an error code in the body")
        declared = set()
        for shape in op.error_shapes if op else []:
            declared.add(shape.name)
            declared.add(shape.metadata.get("error", {}).get("code", shape.name))
        if record["protocol"] == "ec2":
            declared |= EC2_ERRORS
        if code not in declared and code not in COMMON_ERRORS:
            self.problem(where, "error", f"{code} is neither declared by the operation "
                                         f"({', '.join(sorted(declared)) or 'none'}) nor a common AWS error")


def error_code(protocol, body):
    if protocol == "json":
        try:
            value = json.loads(body)
        except ValueError:
            return None
        code = value.get("__type") or value.get("code") if isinstance(value, dict) else None
        return code.split("#")[-1].split(":")[0] if isinstance(code, str) else None
    try:
        root = ET.fromstring(body)
    except ET.ParseError:
        return None
    for elem in root.iter():
        if local(elem.tag) == "Code" and elem.text:
            return elem.text
    return None


def form_name(shape, name, ec2):
    """The form key of a member, as botocore's serializers write it."""
    if ec2:
        if "queryName" in shape.serialization:
            return shape.serialization["queryName"]
        if "name" in shape.serialization:
            n = shape.serialization["name"]
            return n[0].upper() + n[1:]
        return name
    return shape.serialization.get("name", name)


def header(request, name):
    for key, value in request.get("headers", {}).items():
        if key.lower() == name.lower():
            return value
    return ""


def local(tag):
    return tag.split("}", 1)[-1]


def label(path):
    """A record as problems name it: its recording's directory and file (several recordings share numbers)."""
    return os.path.join(os.path.basename(os.path.dirname(os.path.abspath(path))), os.path.basename(path))


def article(word):
    return "an" if word[:1] in "aeiou" else "a"


def json_type(value):
    return {dict: "object", list: "array", str: "string", bool: "boolean", type(None): "null"}.get(
        type(value), "number")


def is_number(value):
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def is_base64(text):
    try:
        base64.b64decode(text, validate=True)
        return True
    except ValueError:
        return False


def main(dirs):
    if not dirs:
        print(__doc__.strip().splitlines()[2])
        return 2
    checker = Checker()
    files = []
    for d in dirs:
        found = sorted(glob.glob(os.path.join(d, "[0-9]*.json")))
        if not found:
            print(f"{d}: no recorded exchanges (NNNNNN-*.json)")
            return 1
        files += found
    for f in files:
        try:
            checker.check_file(f)
        except (ValueError, KeyError, TypeError) as e:
            checker.problems.append(f"{label(f)}: not a record: {type(e).__name__}: {e}")
    for line in checker.problems:
        print(line)
    c = checker.counts
    print(f"botocore {botocore.__version__}: {c['aws']} AWS exchanges ({len(c['operations'])} operations) checked, "
          f"{c['other']} GitHub/HTTP exchanges not modelled; {len(checker.problems)} problem(s)")
    return 1 if checker.problems else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
