#include "model/revision.hpp"

#include <algorithm>
#include <cctype>

#include <fmt/format.h>

namespace shipwatch {

std::string_view to_string(MatchKind m) {
    switch (m) {
        case MatchKind::none: return "none";
        case MatchKind::exact: return "exact";
        case MatchKind::inferred: return "inferred";
        case MatchKind::reported: return "reported";
    }
    return "none";
}

std::vector<std::string> hex_runs(std::string_view text) {
    std::vector<std::string> runs;
    size_t i = 0;
    while (i < text.size()) {
        if (!std::isxdigit(static_cast<unsigned char>(text[i]))) {
            ++i;
            continue;
        }
        size_t j = i;
        while (j < text.size() && std::isxdigit(static_cast<unsigned char>(text[j]))) ++j;
        // A run must stand alone (not part of a longer word like "deadbeefcafe-ish" words with
        // letters beyond f) and hold at least one digit or be long enough to be a SHA, so
        // "facade" or "added" never read as commits.
        bool bounded = (i == 0 || !std::isalnum(static_cast<unsigned char>(text[i - 1]))) &&
                       (j == text.size() || !std::isalnum(static_cast<unsigned char>(text[j])));
        size_t len = j - i;
        if (bounded && len >= 7 && len <= 40) {
            std::string run(text.substr(i, len));
            std::transform(run.begin(), run.end(), run.begin(), [](unsigned char c) { return std::tolower(c); });
            bool has_digit = std::any_of(run.begin(), run.end(), [](unsigned char c) { return std::isdigit(c); });
            if (has_digit) runs.push_back(std::move(run));
        }
        i = j;
    }
    return runs;
}

const Commit* RevisionIndex::find_commit(std::string_view sha) const {
    if (!commits || sha.size() < 7) return nullptr;
    for (const auto& c : *commits)
        if (c.sha.size() >= sha.size() && std::equal(sha.begin(), sha.end(), c.sha.begin(),
                                                     [](char a, char b) { return std::tolower(a) == std::tolower(b); }))
            return &c;
    return nullptr;
}

int RevisionIndex::position(std::string_view sha) const {
    if (!commits || sha.size() < 7) return -1;
    for (size_t i = 0; i < commits->size(); ++i)
        if ((*commits)[i].sha.rfind(sha, 0) == 0 || sha.rfind((*commits)[i].sha, 0) == 0) return static_cast<int>(i);
    return -1;
}

Revision RevisionIndex::with_position(Revision r) const {
    if (const Commit* c = find_commit(r.sha)) r.sha = c->sha;
    r.commits_behind = position(r.sha);
    return r;
}

Revision RevisionIndex::from_string(std::string_view text) const {
    auto runs = hex_runs(text);
    // Prefer a run that names a commit we know; else the first run, kept as the SHA it claims.
    for (const auto& run : runs)
        if (find_commit(run))
            return with_position({run, MatchKind::exact, fmt::format("\"{}\" names the commit", text)});
    if (!runs.empty())
        return with_position({runs.front(), MatchKind::exact, fmt::format("\"{}\" names the commit", text)});
    return {};
}

Revision RevisionIndex::of_image(const Image& image) const {
    for (const auto& tag : image.tags) {
        Revision r = from_string(tag);
        if (r.known()) {
            r.note = fmt::format("tag {}", tag);
            r.digest = image.digest;
            return r;
        }
    }
    // No tag names a commit: the CI run whose window holds the push most likely built it.
    if (builds) {
        const CiRun* best = nullptr;
        for (const auto& run : *builds) {
            if (run.sha.empty()) continue;
            auto end = run.finished.value_or(image.pushed_at);
            if (image.pushed_at >= run.started && image.pushed_at <= end) {
                if (!best || run.started > best->started) best = &run;
            }
        }
        if (best) {
            Revision r = with_position({best->sha, MatchKind::inferred, ""});
            r.digest = image.digest;
            r.note = fmt::format("inferred: pushed {} during {} #{} ({}–{}) for {}", format_clock(image.pushed_at),
                                 best->name, best->number, format_clock(best->started),
                                 best->finished ? format_clock(*best->finished) : "running", r.short_sha());
            return r;
        }
        if (const CiRun* run = run_just_before(image.pushed_at)) {
            Revision r = with_position({run->sha, MatchKind::inferred, ""});
            r.digest = image.digest;
            r.note = fmt::format("inferred: pushed {}, {} after {} #{} for {} ended ({}); the registry's and CI's clocks differ",
                                 format_clock(image.pushed_at), format_duration(image.pushed_at - *run->finished), run->name,
                                 run->number, r.short_sha(), format_clock(*run->finished));
            return r;
        }
    }
    Revision r;
    r.digest = image.digest;
    r.note = image.tags.empty() ? "untagged image, no CI run covers its push time"
                                : fmt::format("tags [{}] name no commit and no CI run covers the push",
                                              fmt::join(image.tags, ", "));
    return r;
}

// ECR's push time and GitHub's run times come from different clocks, and a run's recorded end
// can precede the push it made. A push within kClockSkew after a green run ended, with no other
// run started in between, is that run's.
const CiRun* RevisionIndex::run_just_before(TimePoint pushed) const {
    if (!builds) return nullptr;
    const CiRun* best = nullptr;
    for (const auto& run : *builds) {
        if (run.sha.empty() || !run.finished || run.conclusion != CiConclusion::success) continue;
        if (pushed < *run.finished || pushed - *run.finished > kClockSkew) continue;
        if (!best || *run.finished > *best->finished) best = &run;
    }
    if (!best) return nullptr;
    for (const auto& run : *builds)
        if (&run != best && run.started > best->started && run.started <= pushed) return nullptr;
    return best;
}

const Image* RevisionIndex::find_digest(std::string_view digest) const {
    if (!images || digest.empty()) return nullptr;
    for (const auto& img : *images)
        if (img.digest == digest) return &img;
    return nullptr;
}

const Image* RevisionIndex::resolve(const ImageRef& ref) const {
    if (!images) return nullptr;
    if (!ref.digest.empty()) return find_digest(ref.digest);
    for (const auto& img : *images)
        if (img.repository.empty() || ref.repository.empty() || ref.repository.ends_with(img.repository))
            if (std::find(img.tags.begin(), img.tags.end(), ref.tag) != img.tags.end()) return &img;
    return nullptr;
}

Revision RevisionIndex::of_reference(const std::string& image_text) const {
    ImageRef ref = parse_image_ref(image_text);
    if (const Image* img = resolve(ref)) {
        Revision r = of_image(*img);
        if (ref.digest.empty())
            r.note = fmt::format("{} resolves now to {}; {}", ref.tag, img->digest.substr(0, 19), r.note);
        return r;
    }
    // Not in the registry (or the registry is unknown): the tag itself may still name a commit.
    Revision r = from_string(ref.digest.empty() ? ref.tag : "");
    r.digest = ref.digest;
    if (r.known())
        r.note = fmt::format("tag {} (image not found in the registry)", ref.tag);
    else
        r.note = ref.digest.empty() ? fmt::format("tag {} not found in the registry", ref.tag)
                                    : fmt::format("digest {} not found in the registry", ref.digest.substr(0, 19));
    return r;
}

Revision RevisionIndex::of_reported(std::string_view reported) const {
    Revision r = from_string(reported);
    if (r.known()) {
        r.note = fmt::format("endpoint reports {}", reported);
        return r;
    }
    if (images && !reported.empty()) {
        for (const auto& img : *images) {
            if (std::find(img.tags.begin(), img.tags.end(), reported) == img.tags.end()) continue;
            Revision via = of_image(img);
            if (!via.known()) break;
            via.match = MatchKind::reported;
            via.note = fmt::format("endpoint reports {}, the tag of image {} ({})", reported,
                                   img.digest.substr(0, 19), via.note);
            return via;
        }
    }
    Revision none;
    none.note = reported.empty() ? "endpoint reports nothing" : fmt::format("endpoint reports \"{}\", which names no known commit or image tag", reported);
    return none;
}

}  // namespace shipwatch
