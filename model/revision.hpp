// Revision tracing: which commit an image, a task definition, a task or an endpoint carries.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "model/types.hpp"

namespace shipwatch {

enum class MatchKind {
    none,  // cannot be told
    exact,  // a tag or reported string contains the SHA (full or 7+ prefix)
    inferred,  // image pushed inside the time window of a CI run for the commit
    reported,  // a version string that names an image tag whose revision is known
};
std::string_view to_string(MatchKind m);

struct Revision {
    std::string sha;  // full SHA when the commit is known, else the hex the tag carries
    MatchKind match = MatchKind::none;
    std::string note;  // how it was told: "tag 194af44", "pushed 11:15:55 during run #42"
    std::string digest;  // image digest, for stages that carry an image
    int commits_behind = -1;  // position in the branch history (0 = newest), -1 unknown

    bool known() const { return match != MatchKind::none && !sha.empty(); }
    std::string short_sha() const { return sha.substr(0, 7); }
};

// Hex runs of 7..40 characters inside `text` ("main-194af44" -> {"194af44"}).
std::vector<std::string> hex_runs(std::string_view text);

// Knowledge the tracer needs, borrowed from the snapshot.
struct RevisionIndex {
    const std::vector<Commit>* commits = nullptr;  // newest first
    const std::vector<CiRun>* builds = nullptr;
    const std::vector<Image>* images = nullptr;

    // The commit a SHA or SHA prefix names; nullptr when unknown.
    const Commit* find_commit(std::string_view sha_or_prefix) const;
    int position(std::string_view sha) const;  // 0 = newest commit, -1 unknown

    // A string (tag, version) that contains a SHA: exact match.
    Revision from_string(std::string_view text) const;
    // An image: exact from a tag, else inferred from CI run windows, else none.
    Revision of_image(const Image& image) const;
    // The image a reference (tag or digest) resolves to *now* in the registry.
    const Image* resolve(const ImageRef& ref) const;
    const Image* find_digest(std::string_view digest) const;
    // What an image reference carries: by digest when pinned, else by the tag's current digest,
    // else by the tag text itself.
    Revision of_reference(const std::string& image_text) const;
    // A version string an endpoint reports: a SHA, or a string equal to an image tag.
    Revision of_reported(std::string_view reported) const;

    // How far after a CI run's recorded end a push may be and still be that run's image.
    static constexpr Duration kClockSkew = std::chrono::minutes(5);

private:
    Revision with_position(Revision r) const;
    const CiRun* run_just_before(TimePoint pushed) const;
};

}  // namespace shipwatch
