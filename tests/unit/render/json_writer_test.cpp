#include "render/json_writer.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <sstream>

namespace portwatch::render {
namespace {

TEST(JsonWriter, WritesNestedDocumentsThatParse) {
    std::ostringstream out;
    {
        JsonWriter json(out);
        json.begin_object();
        json.key("a").value(std::int64_t{-5});
        json.key("b").begin_array().value(1u).value(true).null().value(2.5).end_array();
        json.key("c").begin_object().key("d").value("x").end_object();
        json.key("e").begin_array().end_array();
        json.end_object();
    }
    auto doc = nlohmann::json::parse(out.str());
    EXPECT_EQ(doc["a"], -5);
    EXPECT_EQ(doc["b"], nlohmann::json::parse(R"([1,true,null,2.5])"));
    EXPECT_EQ(doc["c"]["d"], "x");
    EXPECT_TRUE(doc["e"].empty());
}

TEST(JsonWriter, EscapesHostileStringsIntoValidJson) {
    const std::string hostile = std::string("a\"b\\c\nd\x1b[31me\x7f") + "\xff\xfe" + "\xc3\xa9" +
                                std::string(1, '\0') + "\xed\xa0\x80" + "\xf0\x9f\x98\x80";
    std::ostringstream out;
    {
        JsonWriter json(out);
        json.begin_object().key(hostile).value(hostile).end_object();
    }
    auto doc = nlohmann::json::parse(out.str());  // throws on invalid UTF-8 or escapes
    const std::string expected = std::string("a\"b\\c\nd\x1b[31me\x7f") +
                                 "\xef\xbf\xbd\xef\xbf\xbd" + "\xc3\xa9" + std::string(1, '\0') +
                                 "\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd" + "\xf0\x9f\x98\x80";
    EXPECT_EQ(doc.begin().value().get<std::string>(), expected);
    EXPECT_EQ(out.str().find('\x1b'), std::string::npos);  // no raw escape reaches a terminal
    EXPECT_EQ(out.str().find('\n'), std::string::npos);
}

TEST(JsonWriter, NonFiniteNumbersBecomeNull) {
    std::ostringstream out;
    {
        JsonWriter json(out);
        json.begin_array().value(1.0 / 0.0).end_array();
    }
    EXPECT_EQ(out.str(), "[null]");
}

TEST(JsonWriter, FlushesLargeDocumentsInPieces) {
    std::ostringstream out;
    {
        JsonWriter json(out);
        json.begin_array();
        for (int i = 0; i < 20000; ++i) {
            json.value("0123456789");
        }
        json.end_array();
    }
    auto doc = nlohmann::json::parse(out.str());
    EXPECT_EQ(doc.size(), 20000u);
}

}  // namespace
}  // namespace portwatch::render
