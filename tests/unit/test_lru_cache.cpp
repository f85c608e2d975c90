#include <gtest/gtest.h>

#include "base/lru_cache.hpp"

namespace shipwatch {
namespace {

LruCache<std::string> cache(size_t entries, size_t bytes) {
    return LruCache<std::string>(entries, bytes, [](const std::string& k, const std::string& v) { return k.size() + v.size(); });
}

TEST(LruCache, EvictsTheLeastRecentlyUsedPastEitherBound) {
    auto c = cache(3, 1000);
    c.put("a", "1");
    c.put("b", "2");
    c.put("c", "3");
    ASSERT_TRUE(c.find("a"));  // a is now the most recent
    c.put("d", "4");
    EXPECT_FALSE(c.find("b"));
    EXPECT_TRUE(c.find("a"));
    EXPECT_EQ(c.size(), 3u);

    auto bytes = cache(100, 10);
    bytes.put("k1", "xxxx");  // 6
    bytes.put("k2", "yyyy");  // 12 > 10: k1 goes
    EXPECT_FALSE(bytes.find("k1"));
    EXPECT_TRUE(bytes.find("k2"));
    EXPECT_EQ(bytes.bytes(), 6u);
    bytes.put("huge", std::string(100, 'z'));  // heavier than the bound alone: not kept
    EXPECT_FALSE(bytes.find("huge"));
    EXPECT_TRUE(bytes.find("k2"));
}

TEST(LruCache, ReplacingAKeyKeepsTheCountsRight) {
    auto c = cache(2, 100);
    c.put("a", "1");
    c.put("a", "22");
    EXPECT_EQ(c.size(), 1u);
    EXPECT_EQ(c.bytes(), 3u);
    EXPECT_EQ(*c.find("a"), "22");
    c.erase("a");
    EXPECT_EQ(c.bytes(), 0u);
    EXPECT_FALSE(c.find("a"));
}

}  // namespace
}  // namespace shipwatch
