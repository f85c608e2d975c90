#!/usr/bin/python3
"""Writes hostile-codebuild.json and hostile-github.json (beside this file): the built-in
`stuck-rollouts` and `cache-trap` scenarios with a terminal-attack payload in every string
shipwatch shows that a stranger could have written: pipeline names (they reach the config),
commit messages and author names, CodeBuild phase messages, GitHub run, job and step names,
service events, rollout reasons, stopped-task and container reasons, secret names, target group
names, and the version an endpoint reports. tests/e2e/hostile_output.sh runs them through
check, check --json, wait and the dashboard and finds no raw control in any output.
Run it again after changing it:
    /usr/bin/python3 tests/data/sim/make_hostile.py"""
import json, os

here = os.path.dirname(os.path.abspath(__file__))
# OSC 0 (window title), OSC 52 (clipboard write), CSI 6n (makes the terminal type into stdin),
# the C1 CSI U+009B, the bidi override U+202E and isolate U+2066, DEL, BEL.
PAYLOAD = "\x1b]0;pwned\x07\x1b]52;c;cHduZWQ=\x07\x1b[6n\x9b31m\u202egnp.exe\u2066\x7f"


def taint(text):
    return f"{text} {PAYLOAD}"


# (path suffix of a string member) -> taint it; paths are keys with [] for list items.
TAINTED = [
    ("commit", "message"), ("author", "name"), ("committer", "name"),
    ("contexts", "[]", "message"), ("events", "[]", "message"),
    ("deployments", "[]", "rolloutStateReason"), ("tasks", "[]", "stoppedReason"),
    ("containers", "[]", "reason"), ("secrets", "[]", "name"),
    ("runs", "[]", "name"), ("runs", "[]", "display_title"), ("[]", "steps", "[]", "name"),
]


def walk(value, path):
    if isinstance(value, dict):
        return {k: walk(v, path + (k,)) for k, v in value.items()}
    if isinstance(value, list):
        return [walk(v, path + ("[]",)) for v in value]
    if isinstance(value, str) and any(path[-len(t):] == t for t in TAINTED):
        return taint(value)
    return value


def hostile(base, name, title, adjust=None):
    doc = json.load(open(os.path.join(here, "../../../sim/scenarios", f"{base}.json")))
    doc["name"] = name
    doc["title"] = title
    doc["description"] = f"The {base} scenario with a terminal-attack payload in every string a stranger writes."
    doc.pop("expect", None)  # no verdict is the point: what reaches the terminal is
    doc.pop("script", None)
    doc["world"] = walk(doc["world"], ())
    for p in doc["pipelines"]:
        p["name"] = taint(p["name"])
    for url, answer in doc["world"].get("http", {}).items():
        answer["body"] = json.dumps({"version": PAYLOAD, "commit": PAYLOAD})
    if adjust:
        adjust(doc)
    with open(os.path.join(here, f"{name}.json"), "w") as out:
        json.dump(doc, out, indent=1)
        out.write("\n")


def failed_github_build(doc):
    # The newest run fails at its push step, so the build pane shows job and step names.
    repo = next(iter(doc["world"]["github"].values()))
    run = repo["runs"][0]
    run["conclusion"] = "failure"
    for job in repo["jobs"][str(run["id"])]:
        job["name"] = taint(job["name"])
        job["conclusion"] = "failure"
        job["steps"][-2]["conclusion"] = "failure"
        job["steps"][-1]["conclusion"] = "skipped"


hostile("stuck-rollouts", "hostile-codebuild", "Escapes in every shown string (CodeBuild, failing rollouts)")
hostile("cache-trap", "hostile-github", "Escapes in every shown string (GitHub Actions, a failed job)", failed_github_build)
