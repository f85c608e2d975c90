#!/usr/bin/python3
"""Writes ecs-blue-green.json (beside this file) from the built-in `healthy` scenario: payments-api
as three services that ECS itself deploys blue/green (deploymentController ECS,
deploymentConfiguration.strategy BLUE_GREEN, a bake time, and per load balancer an
advancedConfiguration with the alternate target group and listener rules), each at one moment:
  payments-mid-shift    green (PRIMARY, IN_PROGRESS) serves, blue (ACTIVE) still up: the bake;
  payments-shifted      the shift done: one COMPLETED deployment, blue's target group empty;
  payments-rolled-back  green FAILED and ECS went back to blue with a deployment of the old revision.
Only DescribeServiceDeployments would tell the phase; the answers here do not, as DescribeServices
does not. Eight minutes in, the bake ends and payments-mid-shift is live too. Run it again after
changing it:
    /usr/bin/python3 tests/data/sim/make_ecs_blue_green.py"""
import copy, hashlib, json, os

here = os.path.dirname(os.path.abspath(__file__))
doc = json.load(open(os.path.join(here, "../../../sim/scenarios/healthy.json")))
NEW, OLD = "2f6b9e09413e6332e972af312a6145c904f2e164", "9a04c7b1523ea2da8261e8124c0e335356c2b887"
NEW_DIGEST = "sha256:80764e5bc18dae7443b78b08c4a07ae2cce4ce303c48313d8f88303cc1d403f3"
OLD_DIGEST = "sha256:ccb7909be4b7bc631d1dba0fe1f2bce92362e84a8b9f75321d3a7929cef3fb21"
account, region_name, cluster_name = doc["account"], "us-west-2", "payments-prod"
region = doc["world"]["aws"][region_name]
cluster = region["ecs"]["clusters"][cluster_name]
base_service, base_task = cluster["services"][0], cluster["tasks"][0]
base_td = region["ecs"]["taskDefinitions"][1]
alb = region["elbv2"]["loadBalancers"][0]
base_tg = region["elbv2"]["targetGroups"][0]
endpoint = doc["world"]["http"].pop("https://payments.acme-pay.example/version")
template = doc["pipelines"][0]
arn = f"arn:aws:ecs:{region_name}:{account}"


def hex_id(*parts, n=32):
    return hashlib.sha256("/".join(parts).encode()).hexdigest()[:n]


def deployment(name, revision, status, state, running, created, updated, reason=None, failed=0):
    did = "ecs-svc/" + str(int(hex_id(name, str(revision), status, n=15), 16))[:19]
    return {"id": did, "status": status, "taskDefinition": f"{arn}:task-definition/{name}:{revision}",
            "desiredCount": running, "pendingCount": 0, "runningCount": running, "failedTasks": failed,
            "createdAt": created, "updatedAt": updated, "launchType": "FARGATE", "rolloutState": state,
            "rolloutStateReason": reason or f"ECS deployment {did} {state.lower().replace('_', ' ')}."}


def task(name, revision, started_by, ip, started, digest, image, stopped=None):
    tid = hex_id(name, ip, str(revision), started)
    t = copy.deepcopy(base_task)
    t.update(taskArn=f"{arn}:task/{cluster_name}/{tid}", taskDefinitionArn=f"{arn}:task-definition/{name}:{revision}",
             group=f"service:{name}", startedBy=started_by, createdAt=started, startedAt=started,
             pullStartedAt=started, pullStoppedAt=started)
    t["attachments"][0]["id"] = f"eni-att-{tid[:8]}"
    t["attachments"][0]["details"][1]["value"] = ip
    c = t["containers"][0]
    c.update(taskArn=t["taskArn"], containerArn=f"{arn}:container/{cluster_name}/{tid}/{hex_id(tid)}", image=image,
             imageDigest=digest)
    if stopped:
        at, reason = stopped
        t.update(lastStatus="STOPPED", desiredStatus="STOPPED", healthStatus="UNHEALTHY", stoppingAt=at, stoppedAt=at,
                 stopCode="EssentialContainerExited", stoppedReason=reason)
        c.update(lastStatus="STOPPED", exitCode=1, healthStatus="UNHEALTHY")
    return t


def target_group(name, colour):
    tg = copy.deepcopy(base_tg)
    tg["TargetGroupName"] = f"{name}-{colour}"
    tg["TargetGroupArn"] = f"arn:aws:elasticloadbalancing:{region_name}:{account}:targetgroup/{name}-{colour}/{hex_id(name, colour, n=16)}"
    return tg


def listener_rule(name, which):
    lb = alb["LoadBalancerArn"].split("loadbalancer/", 1)[1]
    return (f"arn:aws:elasticloadbalancing:{region_name}:{account}:listener-rule/{lb}/"
            f"{hex_id(name, which, 'listener', n=16)}/{hex_id(name, which, 'rule', n=16)}")


NEW_TIME, OLD_TIME = "2025-06-12T14:40:00Z", "2025-06-11T09:20:00Z"
# name: (verdict, service revision, deployments, green targets, blue targets, stopped green tasks, endpoint sha)
cases = {
    "payments-mid-shift": ("deploy_in_progress", 42, lambda n: [
        deployment(n, 42, "PRIMARY", "IN_PROGRESS", 3, NEW_TIME, "2025-06-12T14:47:30Z"),
        deployment(n, 41, "ACTIVE", "COMPLETED", 3, OLD_TIME, "2025-06-11T09:26:00Z")], True, True, False, NEW),
    "payments-shifted": ("live", 42, lambda n: [
        deployment(n, 42, "PRIMARY", "COMPLETED", 3, NEW_TIME, "2025-06-12T14:58:10Z")], True, False, False, NEW),
    "payments-rolled-back": ("deploy_rolled_back", 41, lambda n: [
        deployment(n, 41, "PRIMARY", "COMPLETED", 3, "2025-06-12T14:49:00Z", "2025-06-12T14:52:00Z"),
        deployment(n, 42, "ACTIVE", "FAILED", 0, NEW_TIME, "2025-06-12T14:49:00Z",
                   reason="ECS deployment circuit breaker: tasks failed to start.", failed=3)], False, True, True, OLD),
}

doc["name"] = "ecs-blue-green"
doc["title"] = "ECS-native blue/green: a bake, a finished shift, a rollback"
doc["description"] = ("payments-api as three services ECS deploys blue/green itself (strategy BLUE_GREEN, bake time "
                      "10 minutes, an alternate target group): one baking with blue still up, one whose shift is "
                      "done, one whose green failed and was rolled back to blue.")
doc["credentials"] = {"access_key_id": "AKIDSHIPWATCHSIMNBG", "secret_access_key": "shipwatch-sim-secret-ecs-blue-green"}
doc["pipelines"], doc["expect"], doc["world"]["http"] = [], {}, {}
cluster["services"], cluster["tasks"], region["ecs"]["taskDefinitions"] = [], [], []
region["elbv2"]["targetGroups"], region["elbv2"]["targetHealth"] = [], {}
image = f"{account}.dkr.ecr.{region_name}.amazonaws.com/payments-api:"
for i, (name, (verdict, revision, deployments, green_up, blue_up, green_failed, served)) in enumerate(cases.items()):
    p = dict(template, name=name, service=name, version_url=f"https://{name}.acme-pay.example/version")
    doc["pipelines"].append(p)
    doc["expect"][name] = verdict
    for rev, sha, registered in ((41, OLD, "2025-06-11T09:18:30Z"), (42, NEW, "2025-06-12T14:38:30Z")):
        td = copy.deepcopy(base_td)
        td.update(family=name, revision=rev, taskDefinitionArn=f"{arn}:task-definition/{name}:{rev}", registeredAt=registered)
        td["containerDefinitions"][0]["image"] = image + sha
        region["ecs"]["taskDefinitions"].append(td)
    blue_tg, green_tg = target_group(name, "blue"), target_group(name, "green")
    region["elbv2"]["targetGroups"] += [blue_tg, green_tg]
    svc = copy.deepcopy(base_service)
    svc.update(serviceName=name, serviceArn=f"{arn}:service/{cluster_name}/{name}",
               taskDefinition=f"{arn}:task-definition/{name}:{revision}", deployments=deployments(name))
    svc["runningCount"] = sum(d["runningCount"] for d in svc["deployments"])
    svc["loadBalancers"] = [{
        "targetGroupArn": blue_tg["TargetGroupArn"], "containerName": "api", "containerPort": 8080,
        "advancedConfiguration": {
            "alternateTargetGroupArn": green_tg["TargetGroupArn"],
            "productionListenerRule": listener_rule(name, "production"),
            "testListenerRule": listener_rule(name, "test"),
            "roleArn": f"arn:aws:iam::{account}:role/ecsInfrastructureRoleForLoadBalancers"}}]
    svc["deploymentConfiguration"].update(strategy="BLUE_GREEN", bakeTimeInMinutes=10)
    if name == "payments-mid-shift":  # a hook, as services that test green before production do
        svc["deploymentConfiguration"]["lifecycleHooks"] = [{
            "hookTargetArn": f"arn:aws:lambda:{region_name}:{account}:function:payments-smoke-test",
            "roleArn": f"arn:aws:iam::{account}:role/ecsLifecycleHookRole",
            "lifecycleStages": ["POST_TEST_TRAFFIC_SHIFT"]}]
    svc["events"] = [{"id": hex_id(name, "event"), "createdAt": "2025-06-12T14:41:00Z",
                      "message": f"(service {name}) has started 3 tasks: (task a) (task b) (task c)."}]
    cluster["services"].append(svc)
    green_dep = next(d for d in svc["deployments"] if d["taskDefinition"].endswith(":42"))
    blue_dep = next((d for d in svc["deployments"] if d["taskDefinition"].endswith(":41")), None)
    for colour, up, tg, rev, dep, digest, sha, started in (
            ("green", green_up, green_tg, 42, green_dep, NEW_DIGEST, NEW, "2025-06-12T14:41:30Z"),
            ("blue", blue_up, blue_tg, 41, blue_dep, OLD_DIGEST, OLD, "2025-06-11T09:21:30Z")):
        health = []
        for k in range(3 if up else 0):
            ip = f"10.30.{10 * i + (1 if colour == 'green' else 2)}.{11 + k}"
            cluster["tasks"].append(task(name, rev, dep["id"], ip, started, digest, image + sha))
            health.append({"Target": {"Id": ip, "Port": 8080}, "HealthCheckPort": "8080", "TargetHealth": {"State": "healthy"}})
        region["elbv2"]["targetHealth"][tg["TargetGroupArn"]] = health
    if green_failed:
        for k in range(2):
            ip = f"10.30.{10 * i + 1}.{41 + k}"
            at = f"2025-06-12T14:4{5 + k}:00Z"
            cluster["tasks"].append(task(name, 42, green_dep["id"], ip, "2025-06-12T14:41:30Z", NEW_DIGEST, image + NEW,
                                         stopped=(at, "Essential container in task exited")))
    doc["world"]["http"][p["version_url"]] = dict(endpoint, body=json.dumps({"commit": served, "built": "2025-06-12T14:27:00Z"}))

# Eight minutes in, the bake ends: ECS scales blue in, its tasks stop and leave their target group,
# and the deployment completes (the blue deployment leaves the list). `--at 8m` shows it live.
def pointer(*parts):
    return "/" + "/".join(str(p).replace("~", "~0").replace("/", "~1") for p in parts)


ecs_path = ("aws", region_name, "ecs", "clusters", cluster_name)
svc_index = next(i for i, s in enumerate(cluster["services"]) if s["serviceName"] == "payments-mid-shift")
mid = cluster["services"][svc_index]
green_done = dict(mid["deployments"][0], rolloutState="COMPLETED", updatedAt="${now}",
                  rolloutStateReason=f"ECS deployment {mid['deployments'][0]['id']} completed.")
blue_id = mid["deployments"][1]["id"]
patch = [
    {"op": "replace", "path": pointer(*ecs_path, "services", svc_index, "deployments"), "value": [green_done]},
    {"op": "replace", "path": pointer(*ecs_path, "services", svc_index, "runningCount"), "value": 3},
    {"op": "add", "path": pointer(*ecs_path, "services", svc_index, "events", 0),
     "value": {"id": "${hex8}", "createdAt": "${now}",
               "message": f"(service payments-mid-shift) (deployment {green_done['id']}) deployment completed."}},
]
for k, t in enumerate(cluster["tasks"]):
    if t["group"] == "service:payments-mid-shift" and t["startedBy"] == blue_id:
        for member, value in (("lastStatus", "STOPPED"), ("desiredStatus", "STOPPED"), ("stoppingAt", "${now-30s}"),
                              ("stoppedAt", "${now}"), ("stopCode", "ServiceSchedulerInitiated"),
                              ("stoppedReason", f"Scaling activity initiated by (deployment {blue_id})")):
            patch.append({"op": "add", "path": pointer(*ecs_path, "tasks", k, member), "value": value})
        patch.append({"op": "replace", "path": pointer(*ecs_path, "tasks", k, "containers", 0, "lastStatus"),
                      "value": "STOPPED"})
blue_arn = next(g["TargetGroupArn"] for g in region["elbv2"]["targetGroups"] if g["TargetGroupName"] == "payments-mid-shift-blue")
patch.append({"op": "replace", "path": pointer("aws", region_name, "elbv2", "targetHealth", blue_arn), "value": []})
doc["script"] = [{"at": "8m", "patch": patch}]

# What the e2e tests check beside the verdicts (tests/e2e/sim_lib.sh, check_verdicts).
doc["expect_stage"] = {"payments-mid-shift": "tasks", "payments-rolled-back": "tasks"}
doc["expect_health"] = {"payments-mid-shift": {"taskdef": "ok", "tasks": "progressing"},
                        "payments-rolled-back": {"taskdef": "ok", "tasks": "failed"}}
doc["expect_absent"] = {name: ["rolling out", "baking", "test traffic"] for name in cases}
doc["expect_present"] = {"payments-mid-shift": ["ECS blue/green deployment", "blue payments-mid-shift:41 still up"],
                         "payments-rolled-back": ["blue/green", "rolled back to blue payments-rolled-back:41"]}
order = ["name", "title", "description", "start", "account", "credentials", "pipelines", "expect", "expect_stage",
         "expect_health", "expect_absent", "expect_present", "world", "script"]
doc = {k: doc[k] for k in order if k in doc}
with open(os.path.join(here, "ecs-blue-green.json"), "w") as out:
    json.dump(doc, out, indent=1)
    out.write("\n")
