// Amazon ECR (JSON 1.1). Shapes: botocore/data/ecr/2015-09-21/service-2.json.
#include <algorithm>
#include <set>

#include "sources/aws/batches.hpp"
#include "sources/aws/clients.hpp"
#include "sources/aws/json_protocol.hpp"

namespace shipwatch::aws {
namespace {

using nlohmann::json;

constexpr size_t kImageIdsPerCall = 100;  // DescribeImages imageIds limit
constexpr int kMaxResults = 1000;  // DescribeImages maxResults limit

std::string target(std::string_view op) { return "AmazonEC2ContainerRegistry_V20150921." + std::string(op); }

Image parse_image(const json& d, const std::string& region) {
    Image out;
    std::string registry_id = json_string(d, "registryId");
    if (!registry_id.empty()) out.registry = registry_id + ".dkr.ecr." + region + ".amazonaws.com";
    out.repository = json_string(d, "repositoryName");
    for (const json& tag : json_array(d, "imageTags"))
        if (tag.is_string()) out.tags.push_back(tag.get<std::string>());
    out.digest = require_nonempty(json_string(d, "imageDigest"), "imageDetail.imageDigest");
    auto pushed = json_time(d, "imagePushedAt");
    require_present(pushed.has_value(), "imageDetail.imagePushedAt");
    out.pushed_at = *pushed;
    if (auto size = d.find("imageSizeInBytes"); size != d.end() && size->is_number()) out.size_bytes = json_int(d, "imageSizeInBytes");
    return out;
}

std::string region_of(const AwsContext& ctx) { return ctx.region.empty() ? ctx.endpoints.region() : ctx.region; }

bool is_image_not_found(const Error& e) { return e.code == "ImageNotFoundException"; }

Result<std::vector<Image>> recent_images(const AwsContext& ctx, const std::string& repository, size_t limit,
                                         const std::string& registry_id) {
    std::vector<Image> images;
    std::string token;
    PageCount count{kMaxImagePages};
    do {
        json body{{"repositoryName", repository}, {"maxResults", kMaxResults}};
        if (!registry_id.empty()) body["registryId"] = registry_id;
        if (!token.empty()) body["nextToken"] = token;
        auto answer = call_json(ctx, ServiceId::ecr, target("DescribeImages"), body);
        if (!answer) return answer.error();
        auto page = parse_guarded<std::vector<Image>>("DescribeImages", [&] {
            std::vector<Image> parsed;
            for (const json& d : json_array(answer.value(), "imageDetails")) parsed.push_back(parse_image(d, region_of(ctx)));
            return parsed;
        });
        if (!page) return page.error();
        for (auto& image : page.value()) images.push_back(std::move(image));
        token = next_token(token, json_string(answer.value(), "nextToken"));
        if (count.over(token)) return listing_did_not_end("DescribeImages", count.max);
    } while (!token.empty());
    // ECR returns images in no useful order, so every page is read before choosing the newest.
    std::stable_sort(images.begin(), images.end(), [](const Image& a, const Image& b) { return a.pushed_at > b.pushed_at; });
    if (images.size() > limit) images.resize(limit);
    return images;
}

Result<std::vector<Image>> describe_images(const AwsContext& ctx, const std::string& repository,
                                          const std::vector<std::string>& tags, const std::vector<std::string>& digests) {
    std::vector<json> ids;
    for (const auto& tag : tags) ids.push_back(json{{"imageTag", tag}});
    for (const auto& digest : digests) ids.push_back(json{{"imageDigest", digest}});

    auto describe = [&](const std::vector<json>& batch) -> Result<std::vector<Image>> {
        auto answer = call_json(ctx, ServiceId::ecr, target("DescribeImages"),
                                json{{"repositoryName", repository}, {"imageIds", batch}});
        if (!answer) return answer.error();
        // DescribeImages has no failures[] in its model, but tolerate one (as BatchGetImage
        // sends) rather than misread it: ImageNotFound entries are simply absent images.
        return parse_guarded<std::vector<Image>>("DescribeImages", [&] {
            std::vector<Image> parsed;
            for (const json& d : json_array(answer.value(), "imageDetails")) parsed.push_back(parse_image(d, region_of(ctx)));
            return parsed;
        });
    };

    std::vector<Image> images;
    std::set<std::string> seen_digests;  // a tag and a digest may name the same image
    auto keep = [&](std::vector<Image>& found) {
        for (auto& image : found)
            if (seen_digests.insert(image.digest).second) images.push_back(std::move(image));
    };
    for (size_t start = 0; start < ids.size(); start += kImageIdsPerCall) {
        std::vector<json> batch(ids.begin() + static_cast<std::ptrdiff_t>(start),
                                ids.begin() + static_cast<std::ptrdiff_t>(std::min(ids.size(), start + kImageIdsPerCall)));
        auto found = describe(batch);
        if (found) {
            keep(found.value());
            continue;
        }
        if (!is_image_not_found(found.error())) return found.error();
        // The real API fails the whole call with ImageNotFoundException when any id is unknown;
        // ask one id at a time so the known ones still come back.
        for (const json& id : batch) {
            auto single = describe({id});
            if (single)
                keep(single.value());
            else if (!is_image_not_found(single.error()))
                return single.error();
        }
    }
    return images;
}

}  // namespace

// registryId is sent whenever the image's host names an account, also when it is the caller's:
// that is the default AWS applies, and knowing the caller's account would cost an STS call.
Result<std::vector<Image>> EcrClient::recent_images(const std::string& repository, size_t limit,
                                                    const std::string& registry_id) const {
    std::string resource = (registry_id.empty() ? "" : "registry " + registry_id + ", ") + "repository " + repository;
    return in_context(aws::recent_images(ctx_, repository, limit, registry_id),
                      call_context(ctx_, ServiceId::ecr, "DescribeImages", resource));
}

Result<std::vector<Image>> EcrClient::describe_images(const std::string& repository,
                                                     const std::vector<std::string>& tags,
                                                     const std::vector<std::string>& digests) const {
    return in_context(aws::describe_images(ctx_, repository, tags, digests),
                      call_context(ctx_, ServiceId::ecr, "DescribeImages", "repository " + repository));
}

}  // namespace shipwatch::aws
