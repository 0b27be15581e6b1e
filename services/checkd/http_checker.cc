#include "services/checkd/http_checker.h"

#include <sys/socket.h>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"

namespace lvs::checkd {
namespace {

std::string Bracketed(const std::string& ip) {
  return ip.find(':') != std::string::npos ? absl::StrCat("[", ip, "]") : ip;
}

}  // namespace

HttpChecker::HttpChecker(CurlMulti* multi, const CheckerSpec& spec)
    : multi_(multi), spec_(spec), easy_(curl_easy_init()), urls_(spec_.urls) {}

HttpChecker::~HttpChecker() {
  Cancel();
  curl_easy_cleanup(easy_);
  curl_slist_free_all(headers_);
  curl_slist_free_all(connect_to_);
}

void HttpChecker::Start(Done done) {
  done_ = std::move(done);
  urls_.Restart();
  StartUrl();
}

void HttpChecker::StartUrl() {
  const UrlSpec& url = urls_.current();
  curl_easy_reset(easy_);
  SetRequest(url);
  SetTransfer();
  SetTls();
  SetSource();
  error_[0] = '\0';
  body_.emplace(url);
  auto s = multi_->Add(easy_, [this](CURLcode rc) { OnTransferDone(rc); });
  if (!s.ok()) {
    Done done = std::move(done_);
    done_ = nullptr;
    done(CheckOutcome::LocalError(std::string(s.message())));
  }
}

void HttpChecker::SetRequest(const UrlSpec& url) {
  const bool tls = spec_.kind == CheckKind::kSsl;
  const std::string& vhost = url.virtualhost.empty() ? spec_.virtualhost : url.virtualhost;
  // To send a TLS server name, curl needs it as the URL's host; CONNECT_TO then
  // sends the connection to the real server's address anyway.
  const std::string host = spec_.sni.empty() ? Bracketed(spec_.connect_ip) : spec_.sni;
  std::string target =
      absl::StrCat(tls ? "https://" : "http://", host, ":", spec_.connect_port, url.path);

  curl_slist_free_all(headers_);
  headers_ = nullptr;
  curl_slist_free_all(connect_to_);
  connect_to_ = nullptr;
  if (!vhost.empty()) headers_ = curl_slist_append(headers_, absl::StrCat("Host: ", vhost).c_str());
  if (spec_.http_protocol != v1::HTTP_1_0)
    headers_ = curl_slist_append(headers_, "Connection: close");
  curl_easy_setopt(easy_, CURLOPT_URL, target.c_str());
  curl_easy_setopt(easy_, CURLOPT_HTTPHEADER, headers_);
  if (!spec_.sni.empty()) {
    connect_to_ = curl_slist_append(
        nullptr, absl::StrCat("::", Bracketed(spec_.connect_ip), ":", spec_.connect_port).c_str());
    curl_easy_setopt(easy_, CURLOPT_CONNECT_TO, connect_to_);
  }
  // keepalived speaks HTTP/1.0 by default and does not follow redirects.
  curl_easy_setopt(
      easy_, CURLOPT_HTTP_VERSION,
      spec_.http_protocol == v1::HTTP_1_1 ? CURL_HTTP_VERSION_1_1 : CURL_HTTP_VERSION_1_0);
}

void HttpChecker::SetTransfer() {
  curl_easy_setopt(easy_, CURLOPT_PROTOCOLS_STR, "http,https");
  curl_easy_setopt(easy_, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(easy_, CURLOPT_FRESH_CONNECT, 1L);
  curl_easy_setopt(easy_, CURLOPT_FORBID_REUSE, 1L);
  curl_easy_setopt(easy_, CURLOPT_USERAGENT, "lvs-ha checkd");
  curl_easy_setopt(easy_, CURLOPT_TIMEOUT_MS,
                   static_cast<long>(absl::ToInt64Milliseconds(spec_.connect_timeout)));
  curl_easy_setopt(easy_, CURLOPT_ERRORBUFFER, error_);
  curl_easy_setopt(easy_, CURLOPT_WRITEFUNCTION, &HttpChecker::OnBody);
  curl_easy_setopt(easy_, CURLOPT_WRITEDATA, this);
}

void HttpChecker::SetTls() {
  // The SSL block's CA: the server's certificate must chain to it. Its name is
  // not checked: the server is reached by address (keepalived checks nothing).
  const bool chain_only = !spec_.ca_file.empty() && !spec_.verify_peer;
  curl_easy_setopt(easy_, CURLOPT_SSL_VERIFYPEER, spec_.verify_peer || chain_only ? 1L : 0L);
  curl_easy_setopt(easy_, CURLOPT_SSL_VERIFYHOST, spec_.verify_peer ? 2L : 0L);
  if (!spec_.ca_file.empty()) curl_easy_setopt(easy_, CURLOPT_CAINFO, spec_.ca_file.c_str());
  // ... and its certificate and key, presented to servers that ask for one.
  if (!spec_.certificate_file.empty())
    curl_easy_setopt(easy_, CURLOPT_SSLCERT, spec_.certificate_file.c_str());
  if (!spec_.key_file.empty()) curl_easy_setopt(easy_, CURLOPT_SSLKEY, spec_.key_file.c_str());
  if (!spec_.key_password.empty())
    curl_easy_setopt(easy_, CURLOPT_KEYPASSWD, spec_.key_password.c_str());
}

void HttpChecker::SetSource() {
  if (spec_.fwmark != 0 || !spec_.bind_if.empty()) {
    curl_easy_setopt(easy_, CURLOPT_SOCKOPTFUNCTION, &HttpChecker::OnSocket);
    curl_easy_setopt(easy_, CURLOPT_SOCKOPTDATA, this);
  }
  if (!spec_.bindto.empty())
    curl_easy_setopt(easy_, CURLOPT_INTERFACE, absl::StrCat("host!", spec_.bindto).c_str());
  if (spec_.bind_port != 0)
    curl_easy_setopt(easy_, CURLOPT_LOCALPORT, static_cast<long>(spec_.bind_port));
}

int HttpChecker::OnSocket(void* p, curl_socket_t fd, curlsocktype) {
  const CheckerSpec& spec = static_cast<HttpChecker*>(p)->spec_;
  const uint32_t mark = spec.fwmark;
  if (mark != 0 && setsockopt(fd, SOL_SOCKET, SO_MARK, &mark, sizeof mark) < 0)
    return CURL_SOCKOPT_ERROR;
  if (!spec.bind_if.empty() && setsockopt(fd, SOL_SOCKET, SO_BINDTODEVICE, spec.bind_if.c_str(),
                                          static_cast<socklen_t>(spec.bind_if.size())) < 0) {
    return CURL_SOCKOPT_ERROR;
  }
  return CURL_SOCKOPT_OK;
}

size_t HttpChecker::OnBody(char* data, size_t size, size_t n, void* p) {
  static_cast<HttpChecker*>(p)->body_->OnBody(absl::string_view(data, size * n));
  return size * n;
}

void HttpChecker::OnTransferDone(CURLcode rc) {
  CheckOutcome outcome;
  if (rc != CURLE_OK) {
    outcome = DescribeFailure(rc);
  } else {
    long status = 0;
    curl_easy_getinfo(easy_, CURLINFO_RESPONSE_CODE, &status);
    outcome = body_->Verdict(status);
  }
  if (urls_.Next(outcome)) return StartUrl();
  Done done = std::move(done_);
  done_ = nullptr;
  if (done) done(std::move(outcome));
}

CheckOutcome HttpChecker::DescribeFailure(CURLcode rc) const {
  switch (rc) {
    case CURLE_COULDNT_CONNECT: {
      long os_errno = 0;
      curl_easy_getinfo(easy_, CURLINFO_OS_ERRNO, &os_errno);
      return os_errno != 0 ? ConnectFailure(static_cast<int>(os_errno))
                           : CheckOutcome::Down("could not connect");
    }
    case CURLE_OPERATION_TIMEDOUT: return CheckOutcome::Down(NoAnswerIn(spec_.connect_timeout));
    case CURLE_OUT_OF_MEMORY:
    case CURLE_FAILED_INIT: return CheckOutcome::LocalError(curl_easy_strerror(rc));
    case CURLE_GOT_NOTHING: return CheckOutcome::Down("connection closed without a response");
    case CURLE_PEER_FAILED_VERIFICATION:
      return CheckOutcome::Down(absl::StrCat("TLS certificate not trusted: ", error_));
    case CURLE_SSL_CONNECT_ERROR:
      return CheckOutcome::Down(absl::StrCat("TLS handshake failed: ", error_));
    case CURLE_SSL_CERTPROBLEM:
    case CURLE_SSL_CACERT_BADFILE:
      // This host's files (the SSL block), not the server.
      return CheckOutcome::LocalError(absl::StrCat("the SSL block's files: ", error_));
    default:
      return CheckOutcome::Down(error_[0] != '\0' ? absl::AsciiStrToLower(error_)
                                                  : absl::AsciiStrToLower(curl_easy_strerror(rc)));
  }
}

void HttpChecker::Cancel() {
  multi_->Remove(easy_);
  done_ = nullptr;
}

}  // namespace lvs::checkd
