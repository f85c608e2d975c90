#!/usr/bin/python3
"""Writes registries.json (beside this file) from the built-in `healthy` scenario: the same
commit, built and deployed, with the app image in five registries: Docker Hub pinned by an
immutable SHA tag, Docker Hub by the mutable `latest`, GHCR, ECR in another account and region,
and a private Docker Hub repository without credentials. Run it again after changing it:
    /usr/bin/python3 tests/data/sim/make_registries.py"""
import copy, json, os

here = os.path.dirname(os.path.abspath(__file__))
doc = json.load(open(os.path.join(here, "../../../sim/scenarios/healthy.json")))
SHA = "2f6b9e09413e6332e972af312a6145c904f2e164"
DIGEST = "sha256:80764e5bc18dae7443b78b08c4a07ae2cce4ce303c48313d8f88303cc1d403f3"
OTHER = "210987654321"

pipelines = {
    # name: (image, expected verdict)
    "hub-pinned": (f"docker.io/acmepay/payments-api:{SHA}", "live"),
    "hub-latest": ("acmepay/payments-api:latest", "unknown"),
    "ghcr": (f"ghcr.io/acme-pay/payments-api:sha-{SHA[:7]}", "live"),
    "ecr-shared": (f"{OTHER}.dkr.ecr.eu-west-1.amazonaws.com/shared/payments-api:{SHA}", "live"),
    "hub-private": (f"acmepay/private-api:{SHA}", "unknown"),
}

doc["name"] = "registries"
doc["title"] = "One commit, images in five registries"
doc["description"] = ("payments-api deployed five times, its image pulled from Docker Hub (an immutable SHA tag, "
                      "and `latest`), GHCR, a shared ECR registry of another account in eu-west-1, and a private "
                      "Docker Hub repository shipwatch has no credentials for.")
region = doc["world"]["aws"]["us-west-2"]
cluster = region["ecs"]["clusters"]["payments-prod"]
base_service = cluster["services"][0]
base_tasks = cluster["tasks"]
base_td = region["ecs"]["taskDefinitions"][1]
account = doc["account"]
template = doc["pipelines"][0]
doc["pipelines"], cluster["services"], cluster["tasks"] = [], [], []
region["ecs"]["taskDefinitions"] = []
doc["expect"] = {}
for i, (name, (image, verdict)) in enumerate(pipelines.items()):
    p = dict(template, name=name, service=name, version_url=f"https://{name}.acme-pay.example/version")
    doc["pipelines"].append(p)
    doc["expect"][name] = verdict
    td = copy.deepcopy(base_td)
    td["family"] = name
    td["revision"] = 1
    td["taskDefinitionArn"] = f"arn:aws:ecs:us-west-2:{account}:task-definition/{name}:1"
    td["containerDefinitions"][0]["image"] = image
    region["ecs"]["taskDefinitions"].append(td)
    svc = copy.deepcopy(base_service)
    svc["serviceName"] = name
    svc["serviceArn"] = f"arn:aws:ecs:us-west-2:{account}:service/payments-prod/{name}"
    svc["taskDefinition"] = td["taskDefinitionArn"]
    svc["loadBalancers"] = []
    for d in svc["deployments"]:
        d["taskDefinition"] = td["taskDefinitionArn"]
    svc["events"] = [dict(e, message=e["message"].replace("payments-api", name)) for e in svc["events"]]
    cluster["services"].append(svc)
    for t in base_tasks:
        t = copy.deepcopy(t)
        tid = f"{i:x}" + t["taskArn"].rsplit("/", 1)[1][1:]
        t["taskArn"] = f"arn:aws:ecs:us-west-2:{account}:task/payments-prod/{tid}"
        t["taskDefinitionArn"] = td["taskDefinitionArn"]
        t["group"] = f"service:{name}"
        for c in t["containers"]:
            c["image"] = image
            c["taskArn"] = t["taskArn"]
            c["containerArn"] = c["containerArn"].replace(c["containerArn"].split("/")[2], tid)
        cluster["tasks"].append(t)

# No load balancer: each pipeline's version endpoint tells what serves traffic.
endpoint = doc["world"]["http"].pop("https://payments.acme-pay.example/version")
doc["world"]["http"] = {p["version_url"]: endpoint for p in doc["pipelines"]}
ecr_image = copy.deepcopy(region["ecr"]["repositories"]["payments-api"]["images"][0])
ecr_image.update(registryId=OTHER, repositoryName="shared/payments-api")
doc["world"]["aws"]["eu-west-1"] = {"ecr": {"registries": {OTHER: {"repositories": {
    "shared/payments-api": {"images": [ecr_image]}}}}}}
doc["world"]["registries"] = {
    "docker.io": {"auth": "YWNtZXBheTpub3QtZ2l2ZW4=", "repositories": {
        "acmepay/payments-api": {"tags": {SHA: DIGEST, "latest": DIGEST}},
        "acmepay/private-api": {"private": True, "tags": {SHA: DIGEST}},
    }},
    "ghcr.io": {"repositories": {"acme-pay/payments-api": {"tags": {f"sha-{SHA[:7]}": DIGEST}}}},
}
# What the e2e test checks beside the verdicts (tests/e2e/sim_lib.sh, check_verdicts): the
# stage that cannot be told, and no pipeline ever reading another registry's error.
doc["expect_stage"] = {"hub-latest": "image", "hub-private": "image"}
doc["expect_health"] = {"hub-private": {"image": "unknown", "taskdef": "ok"}, "hub-latest": {"image": "unknown"}}
doc["expect_absent"] = {name: ["RepositoryNotFoundException", "ecr:"] for name in pipelines if name != "ecr-shared"}
order = ["name", "title", "description", "start", "account", "credentials", "pipelines", "expect", "expect_stage",
         "expect_health", "expect_absent", "world", "script"]
doc = {k: doc[k] for k in order if k in doc}
with open(os.path.join(here, "registries.json"), "w") as out:
    json.dump(doc, out, indent=1)
    out.write("\n")
