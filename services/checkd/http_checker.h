// SSL_GET (HTTP_GET runs without libcurl: plain_http_checker.h): each url in
// turn, on a fresh connection, through the shared CurlMulti. Up when every url answers with an
// accepted status and, where a digest is set, a body with that MD5.
#pragma once

#include <curl/curl.h>

#include <optional>
#include <string>

#include "services/checkd/checker.h"
#include "services/checkd/curl_multi.h"
#include "services/checkd/http_response.h"

namespace lvs::checkd {

class HttpChecker final : public Checker {
 public:
  HttpChecker(CurlMulti* multi, const CheckerSpec& spec);
  ~HttpChecker() override;
  void Start(Done done) override;
  void Cancel() override;

 private:
  void StartUrl();
  // The easy handle's options for the current url, in four parts. The request: its URL
  // (the SNI name as host, CONNECT_TO the real server), Host and Connection headers,
  // HTTP version.
  void SetRequest(const UrlSpec& url);
  // One transfer on a fresh connection within connect_timeout, the body to OnBody.
  void SetTransfer();
  // The SSL block: the CA to verify against, the client's certificate and key.
  void SetTls();
  // Where the connection leaves from: bindto, bind_port, and fwmark/bind_if (OnSocket).
  void SetSource();
  void OnTransferDone(CURLcode result);
  CheckOutcome DescribeFailure(CURLcode result) const;
  static size_t OnBody(char* data, size_t size, size_t n, void* self);
  // fwmark and bind_if on the socket curl opens.
  static int OnSocket(void* self, curl_socket_t fd, curlsocktype purpose);

  CurlMulti* multi_;
  const CheckerSpec spec_;
  CURL* easy_;
  curl_slist* headers_ = nullptr;
  curl_slist* connect_to_ = nullptr;
  char error_[CURL_ERROR_SIZE] = {};
  UrlRound urls_;
  std::optional<UrlBodyCheck> body_;  // the current url's
  Done done_;
};

}  // namespace lvs::checkd
