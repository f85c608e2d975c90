#!/usr/bin/env bash
# Wire fidelity: Debian's AWS CLI, pointed at `shipwatch sim` with --endpoint-url, runs every AWS
# operation shipwatch uses. The CLI signs (SigV4), the simulator verifies against the scenario's
# keys, and the CLI's own parsers read each answer (JSON 1.1, Query XML, EC2 XML, errors).
#
#   tests/e2e/awscli_wire.sh path/to/shipwatch
#
# Installs nothing: without the CLI it prints "awscli not installed" and exits 77 (ctest SKIP).
# AWS_CLI=/path/to/aws picks a CLI; default /usr/bin/aws (Debian's package), else `aws` on PATH.
set -u

BINARY=${1:?usage: awscli_wire.sh SHIPWATCH_BINARY}
AWS=${AWS_CLI:-}
if [ -z "$AWS" ]; then
    if [ -x /usr/bin/aws ]; then AWS=/usr/bin/aws; else AWS=$(command -v aws || true); fi
fi
if [ -z "$AWS" ] || ! "$AWS" --version >/dev/null 2>&1; then
    echo "awscli not installed"
    exit 77
fi
if ! command -v python3 >/dev/null; then
    echo "python3 not installed (needed to check the CLI's JSON)"
    exit 77
fi

WORK=$(mktemp -d /tmp/shipwatch-awscli-XXXXXX)
PIDS=()
cleanup() {
    for pid in "${PIDS[@]}"; do kill -TERM "$pid" 2>/dev/null; done
    for pid in "${PIDS[@]}"; do wait "$pid" 2>/dev/null; done
    rm -rf "$WORK"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# Nothing from the machine's own AWS setup may leak in.
unset AWS_PROFILE AWS_DEFAULT_PROFILE AWS_SESSION_TOKEN AWS_ENDPOINT_URL AWS_CA_BUNDLE
export AWS_CONFIG_FILE=/dev/null AWS_SHARED_CREDENTIALS_FILE=/dev/null AWS_EC2_METADATA_DISABLED=true
export AWS_PAGER="" AWS_CLI_AUTO_PROMPT=off HOME="$WORK"
export NO_PROXY="127.0.0.1,localhost${NO_PROXY:+,$NO_PROXY}" no_proxy="127.0.0.1,localhost${no_proxy:+,$no_proxy}"

FAILURES=0
URL=""

# start_sim SCENARIO: serves it on a free port; sets URL and the scenario's keys and region.
start_sim() {
    local name=$1 region=$2 key=$3 secret=$4
    "$BINARY" sim --scenario "$name" --port 0 --record "$WORK/rec/$name" >"$WORK/$name.out" 2>"$WORK/$name.err" &
    PIDS+=($!)
    URL=""
    for _ in $(seq 100); do
        URL=$(sed -n 's/^listening on \(http:\/\/127\.0\.0\.1:[0-9][0-9]*\)$/\1/p' "$WORK/$name.out")
        [ -n "$URL" ] && break
        sleep 0.1
    done
    if [ -z "$URL" ]; then
        echo "FAIL sim $name did not start:"
        cat "$WORK/$name.err"
        exit 1
    fi
    export AWS_ACCESS_KEY_ID=$key AWS_SECRET_ACCESS_KEY=$secret AWS_REGION=$region AWS_DEFAULT_REGION=$region
    echo "# $name on $URL ($("$AWS" --version 2>&1))"
}

# call LABEL PYTHON_CHECK aws-args...: the CLI must exit 0, print JSON, and PYTHON_CHECK (an
# expression over the parsed answer `d`) must hold. The answer is kept in $WORK/last.json.
call() {
    local label=$1 check=$2
    shift 2
    if ! "$AWS" --endpoint-url "$URL" --output json "$@" >"$WORK/last.json" 2>"$WORK/last.err"; then
        echo "FAIL $label: aws $* exited non-zero"
        sed 's/^/     /' "$WORK/last.err"
        FAILURES=$((FAILURES + 1))
        return 1
    fi
    if ! python3 -c "import base64, json, sys; d = json.load(open(sys.argv[1])); sys.exit(0 if ($check) else 1)" \
        "$WORK/last.json" 2>"$WORK/last.err"; then
        echo "FAIL $label: answer does not satisfy: $check"
        head -c 1500 "$WORK/last.json" | sed 's/^/     /'
        sed 's/^/     /' "$WORK/last.err"
        FAILURES=$((FAILURES + 1))
        return 1
    fi
    echo "ok   $label"
}

# refused LABEL CODE aws-args...: with a wrong secret the CLI must fail and name AWS's error code.
refused() {
    local label=$1 code=$2
    shift 2
    if AWS_SECRET_ACCESS_KEY=wrong-secret "$AWS" --endpoint-url "$URL" --output json "$@" >/dev/null 2>"$WORK/last.err"; then
        echo "FAIL $label: a wrong secret was accepted"
        FAILURES=$((FAILURES + 1))
    elif ! grep -q "($code)" "$WORK/last.err"; then
        echo "FAIL $label: expected ($code), got:"
        sed 's/^/     /' "$WORK/last.err"
        FAILURES=$((FAILURES + 1))
    else
        echo "ok   $label -> $(tr -d '\n' <"$WORK/last.err" | sed 's/^ *//' | cut -c1-150)"
    fi
}

get() { python3 -c "import json, sys; d = json.load(open(sys.argv[1])); print($1)" "$WORK/last.json"; }

# ---- stuck-rollouts: ECS, ECR, CodeBuild, ELBv2, CloudWatch Logs, Secrets Manager ------------
start_sim stuck-rollouts us-east-1 AKIDSHIPWATCHSIM3 shipwatch-sim-secret-stuck-rollouts
CLUSTER=ava-olo-production

call "ecs describe-services" \
    "[s['serviceName'] for s in d['services']] == ['agricultural-core', 'monitoring-dashboards'] and d['services'][0]['deployments']" \
    ecs describe-services --cluster $CLUSTER --services agricultural-core monitoring-dashboards
call "ecs list-tasks RUNNING" "len(d['taskArns']) >= 1" \
    ecs list-tasks --cluster $CLUSTER --service-name agricultural-core --desired-status RUNNING
RUNNING=$(get "d['taskArns'][0]")
call "ecs list-tasks STOPPED" "len(d['taskArns']) >= 1" \
    ecs list-tasks --cluster $CLUSTER --service-name agricultural-core --desired-status STOPPED
STOPPED=$(get "d['taskArns'][0]")
call "ecs describe-tasks" \
    "[t['taskArn'] for t in d['tasks']] == ['$RUNNING', '$STOPPED'] and d['tasks'][1]['lastStatus'] == 'STOPPED' and d['failures'] == []" \
    ecs describe-tasks --cluster $CLUSTER --tasks "$RUNNING" "$STOPPED"
call "ecs describe-task-definition" \
    "d['taskDefinition']['family'] == 'ava-agricultural-task' and d['taskDefinition']['revision'] == 6 and d['taskDefinition']['containerDefinitions'][0]['image']" \
    ecs describe-task-definition --task-definition ava-agricultural-task:6
call "ecr describe-images (recent)" "len(d['imageDetails']) >= 2 and all(i['imageDigest'].startswith('sha256:') for i in d['imageDetails'])" \
    ecr describe-images --repository-name ava-agricultural
call "ecr describe-images --image-ids tag" \
    "d['imageDetails'][0]['imageDigest'] == 'sha256:d11a474a11d2a9bb29e11e3c2cd335fa18d4730370501a64cd1c8f55bcf7eb90' and 'v3.3.1' in d['imageDetails'][0]['imageTags']" \
    ecr describe-images --repository-name ava-agricultural --image-ids imageTag=v3.3.1
call "ecr describe-images --image-ids digest" "d['imageDetails'][0]['imageTags'] == ['v3.3.0']" \
    ecr describe-images --repository-name ava-agricultural \
    --image-ids imageDigest=sha256:9471944e4c5045d889b1f4822b6e701d149ff04d8309dc3812f6dd8ca58894a6
call "codebuild list-builds-for-project" "len(d['ids']) >= 1 and d['ids'][0].startswith('ava-agricultural-build:')" \
    codebuild list-builds-for-project --project-name ava-agricultural-build
BUILD=$(get "d['ids'][0]")
call "codebuild batch-get-builds" "d['builds'][0]['id'] == '$BUILD' and d['builds'][0]['phases'] and d['builds'][0]['buildStatus']" \
    codebuild batch-get-builds --ids "$BUILD"
call "elbv2 describe-target-groups" "d['TargetGroups'][0]['TargetGroupName'] == 'ava-agricultural-tg'" \
    elbv2 describe-target-groups --names ava-agricultural-tg
TG=$(get "d['TargetGroups'][0]['TargetGroupArn']")
LB=$(get "d['TargetGroups'][0]['LoadBalancerArns'][0]")
call "elbv2 describe-target-health" "len(d['TargetHealthDescriptions']) >= 1 and d['TargetHealthDescriptions'][0]['TargetHealth']['State']" \
    elbv2 describe-target-health --target-group-arn "$TG"
call "elbv2 describe-load-balancers" "d['LoadBalancers'][0]['LoadBalancerArn'] == '$LB' and d['LoadBalancers'][0]['DNSName']" \
    elbv2 describe-load-balancers --load-balancer-arns "$LB"
call "logs filter-log-events (no match)" "d['events'] == []" \
    logs filter-log-events --log-group-name /ecs/ava-agricultural --filter-pattern '"no such line"' --limit 100
SECRET=arn:aws:secretsmanager:us-east-1:345678901234:secret:ava-olo/production/db-password-Qm7pLx
call "secretsmanager describe-secret" "d['ARN'] == '$SECRET' and d['Name']" \
    secretsmanager describe-secret --secret-id "$SECRET"
refused "ecs with a wrong secret" InvalidSignatureException ecs describe-services --cluster $CLUSTER --services agricultural-core
refused "elbv2 with a wrong secret" SignatureDoesNotMatch elbv2 describe-target-groups --names ava-agricultural-tg
AWS_ACCESS_KEY_ID=AKIDNOTTHESIMKEY refused "logs with an unknown key" UnrecognizedClientException \
    logs filter-log-events --log-group-name /ecs/ava-agricultural

# ---- cache-trap: log events that match ------------------------------------------------------
start_sim cache-trap eu-central-1 AKIDSHIPWATCHSIM4 shipwatch-sim-secret-cache-trap
call "logs filter-log-events (matches)" \
    "[e['message'] for e in d['events']] == ['render worker pool started (4 workers)'] * 2 and isinstance(d['events'][0]['timestamp'], int)" \
    logs filter-log-events --log-group-name /ecs/render-service --filter-pattern '"render worker pool started"' \
    --start-time 1700000000000 --limit 100

# ---- ec2-never-updated: EC2 ---------------------------------------------------------------------
start_sim ec2-never-updated eu-west-1 AKIDSHIPWATCHSIM2 shipwatch-sim-secret-ec2-never-updated
INSTANCE=i-0c5a5c767bec5c27e
call "ec2 describe-instances" \
    "d['Reservations'][0]['Instances'][0]['InstanceId'] == '$INSTANCE' and d['Reservations'][0]['Instances'][0]['State']['Name'] == 'running'" \
    ec2 describe-instances --instance-ids $INSTANCE
call "ec2 describe-instance-attribute userData" \
    "d['InstanceId'] == '$INSTANCE' and b'systemctl enable --now streamr-app' in base64.b64decode(d['UserData']['Value'])" \
    ec2 describe-instance-attribute --instance-id $INSTANCE --attribute userData
refused "ec2 with a wrong secret" AuthFailure ec2 describe-instances --instance-ids $INSTANCE

# The same exchanges against botocore's models (tests/e2e/botocore_shapes.py): the CLI's requests
# are botocore's own serialization, so this also checks that the shape check reads Query forms as
# botocore writes them. Skipped without python3-botocore (e2e_botocore_shapes says so then).
for pid in "${PIDS[@]}"; do kill -TERM "$pid" 2>/dev/null; wait "$pid" 2>/dev/null; done
PIDS=()
if /usr/bin/python3 -c 'import botocore' 2>/dev/null; then
    if /usr/bin/python3 "$(dirname "$0")/botocore_shapes.py" "$WORK"/rec/*; then
        echo "ok the CLI's exchanges are valid against botocore's models"
    else
        FAILURES=$((FAILURES + 1))
    fi
fi

if [ "$FAILURES" -ne 0 ]; then
    echo "$FAILURES failure(s)"
    exit 1
fi
echo "all AWS CLI calls verified and parsed"
