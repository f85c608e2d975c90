// AWS CodeBuild (JSON 1.1). Shapes: botocore/data/codebuild/2016-10-06/service-2.json.
#include <map>

#include "sources/aws/batches.hpp"
#include "sources/aws/clients.hpp"
#include "sources/aws/json_protocol.hpp"

namespace shipwatch::aws {
namespace {

using nlohmann::json;

constexpr size_t kBuildsPerCall = 100;  // BatchGetBuilds limit

std::string target(std::string_view op) { return "CodeBuild_20161006." + std::string(op); }

// StatusType (a build's buildStatus and a phase's phaseStatus) as shipwatch's CI status and
// conclusion: the one table the build parse, its check and the phase parse read.
struct BuildState {
    CiStatus status;
    CiConclusion conclusion;
};
constexpr Spelling<BuildState> kStatusTypes[] = {
    {"SUCCEEDED", {CiStatus::completed, CiConclusion::success}},
    {"FAILED", {CiStatus::completed, CiConclusion::failure}},
    {"FAULT", {CiStatus::completed, CiConclusion::failure}},
    {"TIMED_OUT", {CiStatus::completed, CiConclusion::timed_out}},
    {"IN_PROGRESS", {CiStatus::in_progress, CiConclusion::none}},
    {"STOPPED", {CiStatus::completed, CiConclusion::cancelled}},
};

bool looks_like_sha(const std::string& text) {
    return text.size() >= 7 && text.size() <= 40 &&
           text.find_first_not_of("0123456789abcdefABCDEF") == std::string::npos;
}

// sourceVersion is a commit, "refs/heads/<branch>", "pr/<n>", a tag ref, or a bare branch name.
std::string branch_of(const std::string& source_version) {
    constexpr std::string_view heads = "refs/heads/";
    if (source_version.rfind(heads, 0) == 0) return source_version.substr(heads.size());
    if (source_version.empty() || looks_like_sha(source_version) || source_version.rfind("pr/", 0) == 0 ||
        source_version.rfind("refs/", 0) == 0)
        return {};
    return source_version;
}

// https://<region>.console.aws.amazon.com/codesuite/codebuild/<account>/projects/<p>/build/<id>/?region=<r>
std::string console_url(const std::string& arn, const std::string& project, const std::string& id) {
    // arn:aws:codebuild:<region>:<account>:build/<project>:<uuid>
    std::vector<std::string> fields;
    size_t start = 0;
    for (int i = 0; i < 5; ++i) {
        size_t colon = arn.find(':', start);
        if (colon == std::string::npos) return {};
        fields.push_back(arn.substr(start, colon - start));
        start = colon + 1;
    }
    const std::string& region = fields[3];
    const std::string& account = fields[4];
    if (fields[0] != "arn" || region.empty() || account.empty() || project.empty()) return {};
    return "https://" + region + ".console.aws.amazon.com/codesuite/codebuild/" + account + "/projects/" +
           url_encode(project) + "/build/" + url_encode(id) + "/?region=" + region;
}

CiStep parse_phase(const json& p, bool build_running) {
    CiStep step;
    step.name = json_string(p, "phaseType");
    std::string status = json_string(p, "phaseStatus");
    if (const BuildState* known = find_spelling(kStatusTypes, status)) {
        step.status = known->status;
        step.conclusion = known->conclusion;
    } else {
        // The current phase has no phaseStatus yet; the final COMPLETED marker never gets one. A
        // phase status shipwatch does not know is shown as an outcome of its own, not refused.
        step.status = status.empty() && build_running ? CiStatus::in_progress : CiStatus::completed;
        step.conclusion = status.empty() ? CiConclusion::none : CiConclusion::other;
    }
    step.started = json_time(p, "startTime");
    step.finished = json_time(p, "endTime");
    for (const json& c : json_array(p, "contexts")) {
        std::string code = json_string(c, "statusCode");
        std::string message = json_string(c, "message");
        if (code.empty() && message.empty()) continue;
        if (!step.context.empty()) step.context += "; ";
        step.context += code.empty() ? message : message.empty() ? code : code + ": " + message;
    }
    return step;
}

CiRun parse_build(const json& b) {
    CiRun run;
    run.kind = CiKind::codebuild;
    run.id = json_string(b, "id");
    run.name = json_string(b, "projectName");
    std::string source_version = json_string(b, "sourceVersion");
    run.sha = json_string(b, "resolvedSourceVersion");
    if (run.sha.empty()) run.sha = source_version;
    run.branch = branch_of(source_version);
    run.number = static_cast<int>(json_int(b, "buildNumber"));
    const BuildState& state = require_listed(kStatusTypes, json_string(b, "buildStatus"), "build.buildStatus");
    bool running = state.status == CiStatus::in_progress;
    run.status = state.status;
    run.conclusion = state.conclusion;
    run.started = json_time(b, "startTime").value_or(TimePoint{});
    run.finished = json_time(b, "endTime");
    run.url = console_url(json_string(b, "arn"), run.name, run.id);
    for (const json& p : json_array(b, "phases")) run.steps.push_back(parse_phase(p, running));
    return run;
}

Result<std::vector<CiRun>> recent_builds(const AwsContext& ctx, const std::string& project, size_t limit) {
    std::vector<std::string> ids;
    std::string token;
    PageCount count;
    do {
        json body{{"projectName", project}, {"sortOrder", "DESCENDING"}};
        if (!token.empty()) body["nextToken"] = token;
        auto answer = call_json(ctx, ServiceId::codebuild, target("ListBuildsForProject"), body);
        if (!answer) return answer.error();
        for (const json& id : json_array(answer.value(), "ids"))
            if (id.is_string() && ids.size() < limit) ids.push_back(id.get<std::string>());
        token = next_token(token, json_string(answer.value(), "nextToken"));
        if (ids.size() < limit && count.over(token)) return listing_did_not_end("ListBuildsForProject", count.max);
    } while (!token.empty() && ids.size() < limit);

    std::map<std::string, CiRun> by_id;
    for (const auto& batch : in_batches(ids, kBuildsPerCall)) {
        auto answer = call_json(ctx, ServiceId::codebuild, target("BatchGetBuilds"), json{{"ids", batch}});
        if (!answer) return answer.error();
        auto parsed = parse_guarded<std::vector<CiRun>>("BatchGetBuilds", [&] {
            std::vector<CiRun> runs;
            for (const json& b : json_array(answer.value(), "builds")) runs.push_back(parse_build(b));
            return runs;
        });
        if (!parsed) return parsed.error();
        for (auto& run : parsed.value()) by_id[run.id] = std::move(run);
    }
    // BatchGetBuilds does not promise order; keep ListBuildsForProject's newest-first order.
    std::vector<CiRun> runs;
    for (const auto& id : ids)
        if (auto it = by_id.find(id); it != by_id.end()) runs.push_back(std::move(it->second));
    return runs;
}

}  // namespace

Result<std::vector<CiRun>> CodeBuildClient::recent_builds(const std::string& project, size_t limit) const {
    return in_context(aws::recent_builds(ctx_, project, limit),
                      call_context(ctx_, ServiceId::codebuild, "ListBuildsForProject", "project " + project));
}

}  // namespace shipwatch::aws
