// HTTP_GET's url regex over a body in pieces (keepalived's check_regex): matches
// that span reads, the min/max offset window, regex_no_match, and the verdict's
// order (status, digest, regex) through the HTTP reader.
#include <catch2/catch.hpp>

#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>

#include "services/checkd/body_regex.h"
#include "services/checkd/http_response.h"

namespace lvs::checkd {
namespace {

std::shared_ptr<const CompiledRegex> Re(const std::string& pattern, uint32_t options = 0) {
  auto re = CompiledRegex::Get(pattern, options);
  REQUIRE(re.ok());
  return *re;
}

// Feeds `body` in pieces of `piece` bytes, then ends it.
bool Matches(const std::string& pattern, const std::string& body, size_t piece, uint64_t min = 0,
             uint64_t max_end = 0, uint32_t options = 0) {
  BodyRegexMatcher m(Re(pattern, options), min, max_end);
  for (size_t i = 0; i < body.size() && !m.decided(); i += piece) m.Feed(body.substr(i, piece));
  m.Finish();
  return m.matched();
}

TEST_CASE("a match is found whatever the pieces the body arrives in") {
  const std::string body = std::string(5000, 'x') + "status: OK" + std::string(3000, 'y');
  for (size_t piece : {1, 3, 7, 64, 4096, 100000}) {
    INFO("piece " << piece);
    CHECK(Matches("status: OK", body, piece));
    CHECK(Matches("status: [A-Z]+y", body, piece));
    CHECK_FALSE(Matches("status: DOWN", body, piece));
    CHECK(Matches("(?<=x)status", body, piece));  // lookbehind across a piece boundary
    CHECK_FALSE(Matches("(?<=y)status", body, piece));
  }
}

TEST_CASE("a match is decided as soon as it is found, and ^ and $ mean the body's ends") {
  BodyRegexMatcher m(Re("OK"), 0, 0);
  m.Feed("all O");
  CHECK_FALSE(m.decided());
  m.Feed("K and more");
  CHECK(m.decided());
  CHECK(m.matched());
  CHECK(Matches("^abc", "abcdef", 2));
  CHECK_FALSE(Matches("^def", "abcdef", 3));  // a later piece is not the start of the body
  CHECK(Matches("def$", "abcdef", 2));        // the end, decided when the body ends
  CHECK_FALSE(Matches("abc$", "abcdef", 3));
  CHECK(Matches("^$", "", 1));
}

TEST_CASE("regex_min_offset and regex_max_offset bound where the match starts") {
  const std::string body = "0123456789OK345678";  // OK at offset 10
  CHECK(Matches("OK", body, 4, 10));
  CHECK_FALSE(Matches("OK", body, 4, 11));
  CHECK(Matches("OK", body, 4, 0, 11));        // regex_max_offset 10: may start at 10
  CHECK_FALSE(Matches("OK", body, 4, 0, 10));  // regex_max_offset 9
  CHECK(Matches("(?<=9)OK", body, 3, 10));     // the lookbehind before min_offset is kept
  // Past the window nothing more is read.
  BodyRegexMatcher m(Re("OK"), 0, 5);
  m.Feed("0123456789");
  CHECK(m.decided());
  CHECK_FALSE(m.matched());
}

TEST_CASE("keepalived's regex_options reach PCRE2") {
  CHECK_FALSE(Matches("status: ok", "STATUS: OK", 4));
  CHECK(Matches("status: ok", "STATUS: OK", 4, 0, 0, PCRE2_CASELESS));
  CHECK(Matches("^two", "one\ntwo\n", 2, 0, 0, PCRE2_MULTILINE));
  CHECK_FALSE(Matches("^two", "one\ntwo\n", 2));
}

TEST_CASE("the same pattern is compiled once; a bad one is refused with PCRE2's reason") {
  CHECK(Re("a+b") == Re("a+b"));
  CHECK(Re("a+b") != Re("a+b", PCRE2_CASELESS));
  auto bad = CompiledRegex::Get("status: (OK", 0);
  REQUIRE_FALSE(bad.ok());
  CHECK(std::string(bad.status().message()).find("missing closing parenthesis") !=
        std::string::npos);
}

TEST_CASE("a partial match that never ends is given up on, not held without bound") {
  BodyRegexMatcher m(Re("<a.*b>"), 0, 0);
  m.Feed("<a");
  const std::string chunk(64 * 1024, 'z');
  for (size_t i = 0;
       i * chunk.size() <= BodyRegexMatcher::kMaxWindow + chunk.size() && !m.decided(); ++i)
    m.Feed(chunk);
  CHECK(m.decided());
  CHECK_FALSE(m.matched());
  CHECK(m.error().find("more than") != std::string::npos);
}

UrlSpec RegexUrl(const std::string& pattern, bool no_match = false) {
  UrlSpec url;
  url.path = "/";
  url.regex = Re(pattern);
  url.regex_no_match = no_match;
  return url;
}

TEST_CASE(
    "HTTP answers with a regex: status first, then the body; the read stops once it is decided") {
  UrlSpec url = RegexUrl("ready");
  {
    HttpResponseReader r(url);
    CHECK_FALSE(r.OnBytes("HTTP/1.0 200 OK\r\n\r\nnot yet re"));
    auto v = r.OnBytes("ady, and more to come");
    REQUIRE(v);  // decided without waiting for the close
    CHECK(v->ok);
    CHECK(v->reason == "HTTP 200, regex matched");
  }
  {
    HttpResponseReader r(url);
    CHECK_FALSE(r.OnBytes("HTTP/1.0 200 OK\r\n\r\nstarting"));
    CHECK(r.OnClosed().reason == "the body does not match regex 'ready'");
  }
  {
    HttpResponseReader r(url);
    auto v = r.OnBytes("HTTP/1.0 500 Oops\r\n\r\nready");
    REQUIRE(v);
    CHECK(v->reason == "HTTP 500");  // the status decides first, as keepalived
  }
  {
    HttpResponseReader r(url);  // the match must lie within Content-Length
    CHECK_FALSE(r.OnBytes("HTTP/1.0 200 OK\r\nContent-Length: 3\r\n\r\nre"));
    auto v = r.OnBytes("ady");
    REQUIRE(v);
    CHECK_FALSE(v->ok);
  }
  UrlSpec reverse = RegexUrl("maintenance", /*no_match=*/true);
  {
    HttpResponseReader r(reverse);
    auto v = r.OnBytes("HTTP/1.0 200 OK\r\n\r\nunder maintenance");
    REQUIRE(v);
    CHECK(v->reason == "the body matches regex 'maintenance' (regex_no_match)");
  }
  {
    HttpResponseReader r(reverse);
    CHECK_FALSE(r.OnBytes("HTTP/1.0 200 OK\r\n\r\nall fine"));
    CHECK(r.OnClosed().ok);
  }
}

}  // namespace
}  // namespace lvs::checkd
