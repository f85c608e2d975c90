// The soak: a simulated week of 50 pipelines going through deployments and the five incidents
// (tests/soak.hpp). No verdict is `live` while the ground truth says the pipeline was broken
// over the whole window its data came from; timelines stay bounded; descriptors stay flat; and
// the week really happened (deployments, incidents and live verdicts for every pipeline).
#include <gtest/gtest.h>

#include "soak.hpp"

namespace shipwatch {
namespace {

TEST(Soak, ASimulatedWeekOfFiftyPipelines) {
    soak::Options o;
    o.speed = 10000;  // a week in ~60 s
    soak::Report r = soak::run(o);

    for (const auto& v : r.violations) ADD_FAILURE() << v;
    EXPECT_LE(r.max_timeline, o.timeline_limit);
    EXPECT_EQ(r.fds_end, r.fds_start) << "open descriptors grew";
    ASSERT_EQ(r.rss_by_day_kb.size(), 7u);
    // Memory: flat once the world's bounded lists have filled (days 2..7 within 25%).
    EXPECT_LT(r.rss_end_kb, r.rss_by_day_kb[1] + r.rss_by_day_kb[1] / 4)
        << "RSS day 2 " << r.rss_by_day_kb[1] << " kB, end " << r.rss_end_kb << " kB";

    ASSERT_EQ(r.pipelines.size(), 50u);
    for (const auto& name : r.pipelines) {
        EXPECT_GE(r.truth.deployments(name), 3) << name;
        EXPECT_GE(r.truth.incidents(name), 1) << name;
        EXPECT_GT(r.live[name], 0) << name << " was never judged live";
        EXPECT_GT(r.not_live[name], 0) << name << " was never judged not live";
    }
}

}  // namespace
}  // namespace shipwatch
