#include <gtest/gtest.h>

#include "model/revision.hpp"
#include "snapshot_builder.hpp"

using namespace shipwatch;
using namespace shipwatch::testing;

namespace {

struct Fixture {
    PipelineSnapshot s = healthy_snapshot();
    RevisionIndex index() const { return {s.commits.get(), s.builds.get(), s.images.get()}; }
};

}  // namespace

TEST(HexRuns, FindsShaLikeRunsOnly) {
    EXPECT_EQ(hex_runs("main-194af44"), std::vector<std::string>{"194af44"});
    EXPECT_EQ(hex_runs("sha-194AF44C0FFEE"), std::vector<std::string>{"194af44c0ffee"});
    EXPECT_TRUE(hex_runs("latest").empty());
    EXPECT_TRUE(hex_runs("v3.3.1").empty());
    EXPECT_TRUE(hex_runs("release-deadbeefcafe").empty()) << "words made of hex letters only are not SHAs";
    EXPECT_TRUE(hex_runs("194af4").empty()) << "six characters are too few";
    // A sha256 digest is longer than any commit SHA.
    EXPECT_TRUE(hex_runs("964c2ff0000000000000000000000000000000000000000000000000000000002").empty());
}

TEST(RevisionTracing, ExactTagEqualToFullSha) {
    Fixture f;
    Image img{kRegistry, "app", {kNewSha}, "sha256:1", at("2025-06-10T13:58:31Z"), std::nullopt};
    Revision r = f.index().of_image(img);
    EXPECT_EQ(r.match, MatchKind::exact);
    EXPECT_EQ(r.sha, kNewSha);
    EXPECT_EQ(r.commits_behind, 0);
    EXPECT_EQ(r.digest, "sha256:1");
}

TEST(RevisionTracing, ShortShaPrefixAndTagContainingSha) {
    Fixture f;
    Image short_tag{kRegistry, "app", {"194af44"}, "sha256:1", at("2025-06-10T13:58:31Z"), std::nullopt};
    Image contains{kRegistry, "app", {"latest", "main-8c3e1d2d"}, "sha256:2", at("2025-06-10T13:58:31Z"), std::nullopt};
    Revision a = f.index().of_image(short_tag);
    EXPECT_EQ(a.match, MatchKind::exact);
    EXPECT_EQ(a.sha, kNewSha) << "a 7-character prefix resolves to the full SHA of a known commit";
    Revision b = f.index().of_image(contains);
    EXPECT_EQ(b.match, MatchKind::exact);
    EXPECT_EQ(b.sha, kOldSha);
    EXPECT_EQ(b.commits_behind, 1);
    EXPECT_NE(b.note.find("main-8c3e1d2d"), std::string::npos);
}

TEST(RevisionTracing, UnknownShaInTagIsKeptButNotPositioned) {
    Fixture f;
    Image img{kRegistry, "app", {"abc1234"}, "sha256:3", at("2025-06-10T13:58:31Z"), std::nullopt};
    Revision r = f.index().of_image(img);
    EXPECT_EQ(r.match, MatchKind::exact);
    EXPECT_EQ(r.sha, "abc1234");
    EXPECT_EQ(r.commits_behind, -1);
}

TEST(RevisionTracing, InferredFromCiRunWindow) {
    Fixture f;
    // Pushed at 13:58:31, inside run #142 (13:52:40–14:01:05) for the new commit.
    Image img{kRegistry, "app", {"latest"}, "sha256:4", at("2025-06-10T13:58:31Z"), std::nullopt};
    Revision r = f.index().of_image(img);
    EXPECT_EQ(r.match, MatchKind::inferred);
    EXPECT_EQ(r.sha, kNewSha);
    EXPECT_NE(r.note.find("inferred"), std::string::npos) << r.note;
    EXPECT_NE(r.note.find("#142"), std::string::npos) << r.note;

    Image outside{kRegistry, "app", {"latest"}, "sha256:5", at("2025-06-10T12:00:00Z"), std::nullopt};
    EXPECT_EQ(f.index().of_image(outside).match, MatchKind::none) << "no run covers 12:00";
}

TEST(RevisionTracing, MutableTagResolvesToTheDigestTheRegistryHoldsNow) {
    Fixture f;
    auto& images = *f.s.images.value;
    images[0].tags = {"latest"};  // latest now points at the new digest
    images[1].tags = {};  // the old image lost its tag
    Revision r = f.index().of_reference(std::string(kRegistry) + "/app:latest");
    EXPECT_EQ(r.digest, kNewDigest);
    EXPECT_EQ(r.sha, kNewSha);
    EXPECT_NE(r.note.find("latest resolves now to"), std::string::npos) << r.note;
    // A pinned digest is judged by that digest, whatever the tags say.
    Revision pinned = f.index().of_reference(std::string(kRegistry) + "/app@" + kOldDigest);
    EXPECT_EQ(pinned.digest, kOldDigest);
}

TEST(RevisionTracing, ReportedVersionMatchingAnImageTag) {
    Fixture f;
    (*f.s.images.value)[1].tags = {"v3.3.1"};  // no SHA in the tag; inferred by the window of run #141
    Revision r = f.index().of_reported("v3.3.1");
    EXPECT_EQ(r.match, MatchKind::reported);
    EXPECT_EQ(r.sha, kOldSha);
    Revision sha = f.index().of_reported(kNewSha);
    EXPECT_EQ(sha.match, MatchKind::exact);
    EXPECT_FALSE(f.index().of_reported("v9.9.9").known());
}

TEST(ImageRef, ParsesRegistryRepositoryTagAndDigest) {
    auto r = parse_image_ref("123.dkr.ecr.us-east-1.amazonaws.com/team/app:v1.2@sha256:abc");
    EXPECT_EQ(r.registry, "123.dkr.ecr.us-east-1.amazonaws.com");
    EXPECT_EQ(r.repository, "team/app");
    EXPECT_EQ(r.tag, "v1.2");
    EXPECT_EQ(r.digest, "sha256:abc");
    auto plain = parse_image_ref("localhost:5000/app");
    EXPECT_EQ(plain.registry, "localhost:5000");
    EXPECT_EQ(plain.tag, "latest");
    auto hub = parse_image_ref("nginx:1.27");
    EXPECT_EQ(hub.registry, "");
    EXPECT_EQ(hub.repository, "nginx");
    EXPECT_EQ(hub.tag, "1.27");
}

TEST(Time, ParsesAndFormats) {
    EXPECT_EQ(format_iso8601(*parse_iso8601("2025-06-10T13:52:10Z")), "2025-06-10T13:52:10Z");
    EXPECT_EQ(format_iso8601(*parse_iso8601("2025-06-10T15:52:10+02:00")), "2025-06-10T13:52:10Z");
    EXPECT_EQ(parse_iso8601("2025-06-10T13:52:10.250Z")->time_since_epoch().count() % 1000, 250);
    EXPECT_FALSE(parse_iso8601("2025-13-10T13:52:10Z"));
    EXPECT_FALSE(parse_iso8601("yesterday"));
    EXPECT_EQ(format_duration(std::chrono::minutes(38)), "38m");
    EXPECT_EQ(format_duration(std::chrono::hours(26)), "1d2h");
    EXPECT_EQ(*parse_duration("1h30m"), std::chrono::minutes(90));
    EXPECT_FALSE(parse_duration("20"));
    EXPECT_FALSE(parse_duration("5x"));
    // Found by reading what the config fuzzer would try: sums that would overflow are refused.
    EXPECT_FALSE(parse_duration("1099511627776d"));
    EXPECT_FALSE(parse_duration("36000d36000d"));
    EXPECT_EQ(*parse_duration("36000d"), std::chrono::hours(24 * 36000));
}
