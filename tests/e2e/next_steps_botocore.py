#!/usr/bin/python3
"""Every `aws` command shipwatch shows as a next step names an operation and parameters that exist
in botocore's service models (Debian's python3-botocore, the authority on AWS shapes), for every
built-in scenario and the fleet week. The AWS CLI's own commands (`ecs deploy`, `ecs wait`,
`logs tail`) are not in the models; their options are checked against the CLI's documentation
here. Exit 77 (skipped) when botocore is absent.

usage: next_steps_botocore.py SHIPWATCH"""
import json
import os
import re
import shlex
import subprocess
import sys

try:
    import botocore.session
except ImportError:
    sys.exit(77)

# The CLI's name of a service -> botocore's.
SERVICES = {"deploy": "codedeploy"}
# Options every aws command takes, and the CLI's own commands with the options they take.
GLOBAL = {"--region", "--profile", "--query", "--output", "--cli-input-json", "--max-items"}
CUSTOM = {
    ("ecs", "deploy"): {"--cluster", "--service", "--task-definition", "--codedeploy-appspec"},
    ("ecs", "wait"): None,  # a waiter: the rest is the waiter's name and its operation's input
    ("logs", "tail"): {"--since", "--log-stream-name-prefix", "--follow"},
}


def camel(kebab):
    return "".join(p.capitalize() for p in kebab.split("-"))


def check_command(session, command, where):
    words = shlex.split(command)
    assert words[0] == "aws", command
    cli_service, op = words[1], words[2]
    rest = words[3:]
    model = session.get_service_model(SERVICES.get(cli_service, cli_service))
    if (cli_service, op) in CUSTOM:
        allowed = CUSTOM[(cli_service, op)]
        if allowed is None:  # ecs wait services-stable -> DescribeServices
            waiter = session.get_waiter_model(model.service_name).get_waiter(camel(rest[0]))
            op, rest = re.sub(r"(?<!^)(?=[A-Z])", "-", waiter.operation).lower(), rest[1:]
        else:
            return [f"{where}: {command}: --{w[2:]} is not an option of aws {cli_service} {op}"
                    for w in rest if w.startswith("--") and w not in allowed | GLOBAL]
    names = {re.sub(r"(?<!^)(?=[A-Z])", "-", n).lower(): n for n in model.operation_names}
    if op not in names:
        return [f"{where}: {command}: {model.service_name} has no operation {op}"]
    members = {m.lower(): m for m in model.operation_model(names[op]).input_shape.members}
    problems = []
    for w in rest:
        if not w.startswith("--") or w in GLOBAL:
            continue
        flag = w[2:]
        if flag.startswith("no-"):
            flag = flag[3:]
        if flag.replace("-", "") not in members:
            problems.append(f"{where}: {command}: {names[op]} has no member for {w}")
    return problems


def main():
    shipwatch = sys.argv[1]
    session = botocore.session.get_session()
    data = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "data", "sim")
    runs = [["--demo"], ["--demo", "--at", "45m"], ["--demo", "fleet-20-week", "--at", "30h"],
            ["--demo", "phantom-ecs", "--fault", "ecs=expired-credentials"],
            ["--demo", os.path.join(data, "ecs-blue-green.json")]]  # ECS-native blue/green's steps
    problems, seen = [], 0
    for args in runs:
        out = subprocess.run([shipwatch, "check", *args, "--json"], capture_output=True, text=True).stdout
        for p in json.loads(out)["pipelines"]:
            for step in p["next_steps"]:
                command = step["command"]
                if command and command.startswith("aws "):
                    seen += 1
                    problems += check_command(session, command, f"{' '.join(args)} {p['name']}")
    for line in problems:
        print(line)
    print(f"{seen} aws commands checked, {len(problems)} problems")
    sys.exit(1 if problems or seen == 0 else 0)


if __name__ == "__main__":
    main()
