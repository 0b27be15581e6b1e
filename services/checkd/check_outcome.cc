#include "services/checkd/check_outcome.h"

#include <openssl/evp.h>
#include <sys/wait.h>

#include <cerrno>
#include <cstring>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"

namespace lvs::checkd {

std::string NoAnswerIn(absl::Duration timeout) {
  int64_t ms = absl::ToInt64Milliseconds(timeout);
  if (ms < 1000) return absl::StrCat("no answer in ", ms, " ms");
  if (ms % 1000 == 0) return absl::StrCat("no answer in ", ms / 1000, " s");
  return absl::StrFormat("no answer in %g s", static_cast<double>(ms) / 1000.0);
}

std::string DescribeConnectError(int err) {
  switch (err) {
    case ECONNREFUSED: return "connection refused";
    case ECONNRESET: return "connection reset";
    case EHOSTUNREACH: return "host unreachable";
    case ENETUNREACH: return "network unreachable";
    case ETIMEDOUT: return "connection timed out";
    case EADDRNOTAVAIL: return "source address not available";
    case EADDRINUSE: return "source address in use";
    case EACCES:
    case EPERM: return "connection not permitted";
    default: return absl::AsciiStrToLower(std::strerror(err));
  }
}

CheckOutcome ConnectFailure(int err) {
  switch (err) {
    case EMFILE:
    case ENFILE:
    case ENOBUFS:
    case ENOMEM:
    case EAGAIN:
    case EADDRNOTAVAIL:
    case EADDRINUSE: return CheckOutcome::LocalError(DescribeConnectError(err));
    default: return CheckOutcome::Down(DescribeConnectError(err));
  }
}

CheckOutcome EvaluateHttpResponse(long status, absl::string_view body_md5_hex,
                                  const std::vector<StatusRange>& accepted,
                                  absl::string_view expected_digest) {
  bool status_ok = false;
  if (accepted.empty()) {
    status_ok = status >= 200 && status <= 299;
  } else {
    for (const StatusRange& r : accepted) {
      if (status >= r.low && status <= r.high) status_ok = true;
    }
  }
  if (!status_ok) return CheckOutcome::Down(absl::StrCat("HTTP ", status));
  if (!expected_digest.empty() && !absl::EqualsIgnoreCase(expected_digest, body_md5_hex)) {
    return CheckOutcome::Down("digest mismatch");
  }
  return CheckOutcome::Up(absl::StrCat("HTTP ", status));
}

CheckOutcome InterpretMiscExit(int wait_status, bool dynamic) {
  if (WIFSIGNALED(wait_status)) {
    return CheckOutcome::Down(absl::StrCat("killed by signal ", WTERMSIG(wait_status)));
  }
  if (!WIFEXITED(wait_status)) return CheckOutcome::Down("script did not exit");
  int code = WEXITSTATUS(wait_status);
  if (code == 0) return CheckOutcome::Up("exit status 0");
  if (dynamic && code >= 2) {
    return CheckOutcome::Up(absl::StrCat("exit status ", code), code - 2);
  }
  return CheckOutcome::Down(absl::StrCat("exit status ", code));
}

struct BodyDigest::Ctx {
  EVP_MD_CTX* md = EVP_MD_CTX_new();
  ~Ctx() { EVP_MD_CTX_free(md); }
};

BodyDigest::BodyDigest() : ctx_(new Ctx) { Reset(); }
BodyDigest::~BodyDigest() { delete ctx_; }

void BodyDigest::Reset() { EVP_DigestInit_ex(ctx_->md, EVP_md5(), nullptr); }

void BodyDigest::Update(absl::string_view bytes) {
  EVP_DigestUpdate(ctx_->md, bytes.data(), bytes.size());
}

std::string BodyDigest::HexDigest() {
  unsigned char out[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  EVP_DigestFinal_ex(ctx_->md, out, &len);
  std::string hex;
  hex.reserve(size_t{2} * len);
  for (unsigned int i = 0; i < len; ++i) absl::StrAppendFormat(&hex, "%02x", out[i]);
  return hex;
}

}  // namespace lvs::checkd
