// The pure halves of PING_CHECK, UDP_CHECK, DNS_CHECK, SMTP_CHECK and FILE_CHECK:
// messages built and read, dialogues and verdicts, with no sockets.
#include <catch2/catch.hpp>
#include <climits>
#include <cstdint>
#include <string>

#include "services/checkd/dns_message.h"
#include "services/checkd/http_response.h"
#include "services/checkd/icmp_echo.h"
#include "services/checkd/smtp_dialogue.h"
#include "services/checkd/tracked_file.h"
#include "services/checkd/udp_exchange.h"

namespace lvs::checkd {
namespace {

using namespace std::string_literals;

// --- ICMP echo ---

TEST_CASE("an IPv4 echo request carries id, sequence, payload and a valid checksum") {
  std::string m = BuildEchoRequest(false, {0x1234, 0x0102}, "abc");
  REQUIRE(m.size() == 11);
  CHECK(static_cast<uint8_t>(m[0]) == 8);
  CHECK(m[1] == 0);
  CHECK(static_cast<uint8_t>(m[4]) == 0x12);
  CHECK(static_cast<uint8_t>(m[5]) == 0x34);
  CHECK(static_cast<uint8_t>(m[7]) == 0x02);
  CHECK(m.substr(8) == "abc");
  CHECK(InternetChecksum(m) == 0);  // a message with its checksum sums to zero
}

TEST_CASE("an ICMPv6 echo request leaves the checksum to the kernel") {
  std::string m = BuildEchoRequest(true, {1, 2}, "");
  REQUIRE(m.size() == 8);
  CHECK(static_cast<uint8_t>(m[0]) == 128);
  CHECK(m[2] == 0);
  CHECK(m[3] == 0);
}

TEST_CASE("echo replies are matched by id and sequence; everything else is not a reply") {
  std::string reply = BuildEchoRequest(false, {7, 9}, "x");
  reply[0] = 0;  // echo reply
  auto id = ParseEchoReply(false, reply, false);
  REQUIRE(id);
  CHECK(*id == EchoId{7, 9});
  // As a raw IPv4 socket hands it over: behind a 20-byte IP header.
  std::string ip(20, '\0');
  ip[0] = 0x45;
  REQUIRE(ParseEchoReply(false, ip + reply, true));
  CHECK(*ParseEchoReply(false, ip + reply, true) == EchoId{7, 9});
  // A request looped back, an unreachable, a truncated packet, a bad IP header.
  CHECK_FALSE(ParseEchoReply(false, BuildEchoRequest(false, {7, 9}, ""), false));
  std::string unreachable = reply;
  unreachable[0] = 3;
  CHECK_FALSE(ParseEchoReply(false, unreachable, false));
  CHECK_FALSE(ParseEchoReply(false, reply.substr(0, 7), false));
  CHECK_FALSE(ParseEchoReply(false, "\x45" + std::string(10, '\0'), true));
  // ICMPv6's reply type is 129.
  std::string reply6 = BuildEchoRequest(true, {3, 4}, "");
  reply6[0] = static_cast<char>(129);
  CHECK(*ParseEchoReply(true, reply6, false) == EchoId{3, 4});
  CHECK_FALSE(ParseEchoReply(true, reply, false));  // an IPv4 reply type on a v6 socket
}

// --- UDP_CHECK ---

TEST_CASE("UDP_CHECK without require_reply: any reply and silence are up") {
  UdpExchange x(UdpCheckRule{"ping", false, "", "", 0, 255});
  CHECK(x.Request() == "ping");
  CHECK(x.Judge("anything")->ok);
  CHECK(x.OnSilence(absl::Seconds(1)).ok);
}

TEST_CASE("UDP_CHECK with require_reply: silence is down, any reply is up") {
  UdpExchange x(UdpCheckRule{"ping", true, "", "", 0, 255});
  CHECK_FALSE(x.OnSilence(absl::Seconds(2)).ok);
  CHECK(x.OnSilence(absl::Seconds(2)).reason == "no answer in 2 s");
  // keepalived checks the lengths only against expected bytes.
  CHECK(x.Judge(std::string(1000, 'x'))->ok);
}

TEST_CASE(
    "UDP_CHECK reply bytes: the shorter length is compared, X nibbles are free, lengths bound") {
  // "50 4X" with the low nibble of the second octet a wildcard.
  UdpExchange x(UdpCheckRule{"q", true, "\x50\x40"s, "\x00\x0f"s, 1, 4});
  CHECK(x.Judge("\x50\x41"s)->ok);
  CHECK(x.Judge("\x50\x4f\x99"s)->ok);  // extra bytes are not compared
  CHECK(x.Judge("\x50"s)->ok);          // a shorter reply is compared on its length
  CHECK_FALSE(x.Judge("\x50\x51"s)->ok);
  CHECK(x.Judge("\x50\x51"s)->reason == "UDP reply differs from require_reply at octet 1");
  CHECK_FALSE(x.Judge("\x50\x40\x00\x00\x00"s)->ok);  // over max_reply_length
  CHECK_FALSE(x.Judge("")->ok);                       // under min_reply_length
  CHECK(x.receive_size() == 5);                       // max + 1: "too long" is seen
}

// --- DNS_CHECK ---

// A reply to `query`: the same id and question, QR set, `rcode`, and `answers`
// records of `type` (each an A-style 4-byte rdata with a compressed owner name).
std::string Reply(const std::string& query, int rcode, int answers, uint16_t type) {
  std::string r = query;
  r[2] = static_cast<char>(0x81);  // QR, RD
  r[3] = static_cast<char>(0x80 | rcode);
  r[7] = static_cast<char>(answers);
  for (int i = 0; i < answers; ++i) {
    r += "\xc0\x0c"s;  // pointer to the question's name
    r += static_cast<char>(type >> 8);
    r += static_cast<char>(type & 0xff);
    r += "\x00\x01"
         "\x00\x00\x00\x3c"
         "\x00\x04"
         "\x0a\x00\x00\x01"s;
  }
  return r;
}

TEST_CASE("DNS queries are built by c-ares with our id, RD and the question") {
  auto q = BuildDnsQuery("www.example.com", 1, 0xbeef);
  REQUIRE(q.ok());
  CHECK(static_cast<uint8_t>((*q)[0]) == 0xbe);
  CHECK(static_cast<uint8_t>((*q)[1]) == 0xef);
  CHECK(((*q)[2] & 0x01) == 1);  // RD
  CHECK(q->find("\x03www\x07"
                "example\x03"
                "com\x00"s) != std::string::npos);
  // The root, as keepalived's default name asks.
  auto root = BuildDnsQuery(".", 6, 1);
  REQUIRE(root.ok());
  CHECK(root->size() == 12 + 1 + 4);
}

TEST_CASE(
    "DNS replies: NOERROR is up (records are counted, not required), an error rcode is down") {
  const std::string q = *BuildDnsQuery("example.com", 1, 42);
  auto two = JudgeDnsReply(Reply(q, 0, 2, 1), 42, 1);
  REQUIRE(two);
  CHECK(two->ok);
  CHECK(two->reason == "NOERROR, 2 A records");
  auto nodata = JudgeDnsReply(Reply(q, 0, 1, 28), 42, 1);  // an AAAA where A was asked
  REQUIRE(nodata);
  CHECK(nodata->ok);  // keepalived: NODATA is up
  CHECK(nodata->reason == "NOERROR, no A record");
  auto nx = JudgeDnsReply(Reply(q, 3, 0, 1), 42, 1);
  REQUIRE(nx);
  CHECK_FALSE(nx->ok);
  CHECK(nx->reason == "DNS answered NXDOMAIN (rcode 3)");
  CHECK_FALSE(JudgeDnsReply(Reply(q, 2, 0, 1), 42, 1)->ok);  // SERVFAIL
}

TEST_CASE("DNS datagrams that are not our answer are ignored, truncated answers still count") {
  const std::string q = *BuildDnsQuery("example.com", 1, 42);
  CHECK_FALSE(JudgeDnsReply(Reply(q, 0, 1, 1), 43, 1));  // another id
  CHECK_FALSE(JudgeDnsReply(q, 42, 1));                  // our own query (QR clear)
  CHECK_FALSE(JudgeDnsReply("\x00\x2a\x81"s, 42, 1));    // shorter than a header
  std::string cut = Reply(q, 0, 1, 1);
  cut.resize(cut.size() - 3);
  auto verdict = JudgeDnsReply(cut, 42, 1);
  REQUIRE(verdict);
  CHECK(verdict->ok);  // NOERROR is what counts
  CHECK(verdict->reason == "NOERROR");
  CHECK(DnsTypeName(6) == "SOA");
  CHECK(DnsTypeName(99) == "TYPE99");
}

TEST_CASE("DnsExchange asks with a fresh id each run and judges against the last one") {
  uint16_t next = 100;
  DnsExchange x("example.com", 1, [&] { return next++; });
  std::string first = x.Request();
  std::string second = x.Request();
  CHECK(JudgeDnsReply(Reply(second, 0, 1, 1), 101, 1));
  CHECK_FALSE(x.Judge(Reply(first, 0, 1, 1)));  // the stale id of an earlier run
  CHECK(x.Judge(Reply(second, 0, 1, 1))->ok);
  CHECK_FALSE(x.OnSilence(absl::Seconds(1)).ok);
}

// --- SMTP_CHECK ---

TEST_CASE("SMTP: banner 220, HELO, 250, QUIT is up") {
  SmtpDialogue d("checker.example");
  auto banner = d.OnBytes("220 mx.example ESMTP\r\n");
  CHECK(banner.send == "HELO checker.example\r\n");
  CHECK_FALSE(banner.verdict);
  auto helo = d.OnBytes("250 mx.example\r\n");
  CHECK(helo.send == "QUIT\r\n");
  REQUIRE(helo.verdict);
  CHECK(helo.verdict->ok);
}

TEST_CASE("SMTP: replies split across reads and multi-line replies are read whole") {
  SmtpDialogue d("h");
  CHECK(d.OnBytes("22").send.empty());
  CHECK(d.OnBytes("0-first line\r\n220-second\r\n").send.empty());
  CHECK(d.OnBytes("220 last\r\n").send == "HELO h\r\n");
  auto step = d.OnBytes("250-a\r\n250 b\r\n");
  REQUIRE(step.verdict);
  CHECK(step.verdict->ok);
}

TEST_CASE("SMTP: a wrong code, junk, an over-long line or a close before the end is down") {
  {
    SmtpDialogue d("h");
    auto s = d.OnBytes("554 no service\r\n");
    REQUIRE(s.verdict);
    CHECK_FALSE(s.verdict->ok);
    CHECK(s.verdict->reason == "SMTP banner 554 (expected 220): \"554 no service\"");
    CHECK(s.send.empty());
  }
  {
    SmtpDialogue d("h");
    d.OnBytes("220 ok\r\n");
    auto s = d.OnBytes("501 bad HELO\r\n");
    REQUIRE(s.verdict);
    CHECK_FALSE(s.verdict->ok);
    CHECK(d.waiting_for() == std::string("HELO reply"));
  }
  {
    SmtpDialogue d("h");
    auto s = d.OnBytes("SSH-2.0-OpenSSH\r\n");
    REQUIRE(s.verdict);
    CHECK(s.verdict->reason == "not an SMTP reply: \"SSH-2.0-OpenSSH\"");
  }
  {
    SmtpDialogue d("h");
    auto s = d.OnBytes(std::string(SmtpDialogue::kMaxLine + 1, '2'));
    REQUIRE(s.verdict);
    CHECK_FALSE(s.verdict->ok);
  }
  {
    SmtpDialogue d("h");
    CHECK(d.OnClosed().reason == "connection closed while waiting for the SMTP banner");
  }
}

// --- HTTP_GET ---

UrlSpec Url(std::string path, std::string digest = "") {
  UrlSpec url;
  url.path = std::move(path);
  url.digest = std::move(digest);
  return url;
}

TEST_CASE(
    "the HTTP request is keepalived's: version, Connection: close, the virtualhost or the address "
    "and port") {
  CheckerSpec spec;
  spec.connect_ip = "192.0.2.7";
  spec.connect_port = 8080;
  UrlSpec url = Url("/health");
  CHECK(BuildHttpRequest(spec, url) ==
        "GET /health HTTP/1.0\r\nUser-Agent: lvs-ha checkd\r\nHost: 192.0.2.7:8080\r\n\r\n");
  spec.connect_port = 80;
  spec.connect_ip = "2001:db8::7";
  CHECK(BuildHttpRequest(spec, url).find("Host: [2001:db8::7]:80\r\n") !=
        std::string::npos);  // keepalived's
  spec.http_protocol = v1::HTTP_1_1;
  CHECK(BuildHttpRequest(spec, url).find("GET /health HTTP/1.1\r\n") == 0);
  CHECK(BuildHttpRequest(spec, url).find("Connection: close\r\n") != std::string::npos);
  spec.http_protocol = v1::HTTP_1_0C;
  CHECK(BuildHttpRequest(spec, url).find("GET /health HTTP/1.0\r\n") == 0);
  CHECK(BuildHttpRequest(spec, url).find("Connection: close\r\n") != std::string::npos);
  spec.virtualhost = "www.example";
  CHECK(BuildHttpRequest(spec, url).find("Host: www.example\r\n") != std::string::npos);
  url.virtualhost = "url.example";  // the url's own wins
  CHECK(BuildHttpRequest(spec, url).find("Host: url.example\r\n") != std::string::npos);
}

TEST_CASE("HTTP answers: the status decides at once when no digest is asked for") {
  UrlSpec url = Url("/");
  HttpResponseReader r(url);
  CHECK_FALSE(r.OnBytes("HTTP/1.1 200 OK\r\nServer: x"));
  auto v = r.OnBytes("\r\n\r\nbody not needed");
  REQUIRE(v);
  CHECK(v->ok);
  CHECK(v->reason == "HTTP 200");
  HttpResponseReader bad(url);
  auto refused = bad.OnBytes("HTTP/1.0 503 Busy\r\n\r\n");
  REQUIRE(refused);
  CHECK(refused->reason == "HTTP 503");
}

TEST_CASE("HTTP answers with a digest: the body is hashed to Content-Length or to the close") {
  const std::string md5_of_hello = "5d41402abc4b2a76b9719d911017c592";  // "hello"
  UrlSpec url = Url("/", md5_of_hello);
  {
    HttpResponseReader r(url);
    CHECK_FALSE(r.OnBytes("HTTP/1.0 200 OK\r\nContent-Length: 5\r\n\r\nhel"));
    auto v = r.OnBytes("lo");
    REQUIRE(v);
    CHECK(v->ok);
  }
  {
    HttpResponseReader r(url);  // no length: until the server closes
    CHECK_FALSE(r.OnBytes("HTTP/1.0 200 OK\r\n\r\nhello"));
    CHECK(r.OnClosed().ok);
  }
  {
    HttpResponseReader r(url);
    CHECK_FALSE(r.OnBytes("HTTP/1.0 200 OK\r\n\r\nhullo"));
    CHECK(r.OnClosed().reason == "digest mismatch");
  }
  {
    HttpResponseReader r(url);
    CHECK_FALSE(r.OnBytes("HTTP/1.0 200 OK\r\ncontent-length:  9\r\n\r\nhello"));
    CHECK(r.OnClosed().reason == "connection closed after 5 of 9 body bytes");
  }
}

TEST_CASE("HTTP answers that are not HTTP, too big, or cut short are down") {
  UrlSpec url = Url("/");
  {
    HttpResponseReader r(url);
    auto v = r.OnBytes("SSH-2.0-OpenSSH_9\r\n");
    REQUIRE(v);
    CHECK(v->reason == "not an HTTP response");
  }
  {
    HttpResponseReader r(url);
    CHECK(r.OnClosed().reason == "connection closed without a response");
  }
  {
    HttpResponseReader r(url);
    CHECK_FALSE(r.OnBytes("HTTP/1.0 200"));
    CHECK(r.OnClosed().reason == "connection closed in the middle of the response head");
  }
  {
    HttpResponseReader r(url);
    std::optional<CheckOutcome> v = r.OnBytes("HTTP/1.0 200 OK\r\n");
    for (int i = 0; !v && i < 100; ++i) v = r.OnBytes("X-Pad: " + std::string(1000, 'a') + "\r\n");
    REQUIRE(v);
    CHECK(v->reason == "HTTP response head longer than 64 KiB");
  }
  {
    HttpResponseReader r(url);
    auto v = r.OnBytes("HTTP/1.0 2x0 OK\r\n\r\n");
    REQUIRE(v);
    CHECK_FALSE(v->ok);
  }
}

// --- FILE_CHECK ---

TEST_CASE("tracked file values read as strtol base 0 does") {
  CHECK(ParseTrackedFileValue("0\n") == 0);
  CHECK(ParseTrackedFileValue("  42 apples") == 42);
  CHECK(ParseTrackedFileValue("0x10") == 16);
  CHECK(ParseTrackedFileValue("010") == 8);
  CHECK(ParseTrackedFileValue("-5") == -5);
  CHECK(ParseTrackedFileValue("up") == 0);                     // no number at all is 0
  CHECK(ParseTrackedFileValue("2147483648") == 2147483648LL);  // INT32_MAX + 1 is allowed
  CHECK_FALSE(ParseTrackedFileValue("2147483649"));
  CHECK_FALSE(ParseTrackedFileValue("-2147483649"));
  CHECK_FALSE(ParseTrackedFileValue("99999999999999999999"));
}

TEST_CASE("FILE_CHECK weight 0: non-zero is down, reverse turns it round") {
  CHECK(JudgeTrackedFile(0, 0, false, 5).ok);
  CHECK(JudgeTrackedFile(0, 0, false, 5).weight == -1);  // the configured weight stays
  CHECK_FALSE(JudgeTrackedFile(1, 0, false, 5).ok);
  CHECK_FALSE(JudgeTrackedFile(-3, 0, false, 5).ok);
  CHECK_FALSE(JudgeTrackedFile(0, 0, true, 5).ok);
  CHECK(JudgeTrackedFile(7, 0, true, 5).ok);
}

TEST_CASE("FILE_CHECK with a weight: value x weight is added to the real server's weight") {
  auto up = JudgeTrackedFile(3, 10, false, 100);
  CHECK(up.ok);
  CHECK(up.weight == 130);
  CHECK(JudgeTrackedFile(3, 10, true, 100).weight == 70);
  CHECK(JudgeTrackedFile(-50, 10, false, 100).weight == 0);  // clamped at 0, still up
  CHECK(JudgeTrackedFile(-50, 10, false, 100).ok);
  CHECK(JudgeTrackedFile(INT32_MAX, 254, false, 1).weight == INT32_MAX);
  // Only an offset that reaches INT32_MIN is a fault.
  CHECK_FALSE(JudgeTrackedFile(INT32_MIN, 1, false, 1).ok);
  CHECK_FALSE(JudgeTrackedFile(-1'000'000'000, 254, false, 1).ok);
  CHECK(JudgeTrackedFile(INT32_MIN + 1, 1, false, 1).ok);
}

}  // namespace
}  // namespace lvs::checkd
