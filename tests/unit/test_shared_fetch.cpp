// SharedFetch: answers shared by key, and entries nobody asks for are forgotten — swept at most
// once per forget_after, so a first picture of thousands of keys does not sweep for each one.
#include <gtest/gtest.h>

#include <string>

#include "engine/shared_fetch.hpp"

namespace shipwatch {
namespace {

using namespace std::chrono_literals;

struct Fixture {
    ManualClock clock{TimePoint{} + 1000h};
    FetchPool pool{0};  // no threads: jobs run on this thread, in order
    MergeQueue merge;
    int calls = 0;
    SharedFetch<int> fetch{clock, 1s, 20s, 1s};  // fresh for 1 s, forgotten after 20 s unasked

    int get(const std::string& key) {
        int got = -1;
        fetch.get(FetchContext{pool, merge}, key, [this] { return Result<int>(++calls); },
                  [&got](const Result<int>& r, TimePoint) { got = r.ok() ? r.value() : -1; });
        while (pool.run_one() || merge.run_ready() > 0) {
        }
        return got;
    }
};

TEST(SharedFetch, OneFetchPerKeyWhileFresh) {
    Fixture f;
    EXPECT_EQ(f.get("a"), 1);
    EXPECT_EQ(f.get("a"), 1);
    EXPECT_EQ(f.get("b"), 2);
    f.clock.advance(2s);
    EXPECT_EQ(f.get("a"), 3);
}

TEST(SharedFetch, KeysNobodyAsksForAreForgottenWithinTwiceForgetAfter) {
    Fixture f;
    for (int i = 0; i < 1000; ++i) f.get("first-" + std::to_string(i));
    EXPECT_EQ(f.fetch.size(), 1000u);  // a frozen clock never sweeps what it just added
    f.clock.advance(10s);
    f.get("kept");
    f.clock.advance(15s);  // "first-*" unasked for 25 s, "kept" for 15 s
    f.get("kept");
    f.get("new");
    EXPECT_EQ(f.fetch.size(), 2u);  // kept and new
    for (int i = 0; i < 50; ++i) {
        f.clock.advance(1s);
        f.get("kept");
        f.get("churn-" + std::to_string(i));  // a new key every second, each asked once
    }
    // Never more than the keys of the last two forget_after windows.
    EXPECT_LE(f.fetch.size(), 2u + 40u);
    EXPECT_GE(f.fetch.size(), 2u + 20u - 1);
}

}  // namespace
}  // namespace shipwatch
