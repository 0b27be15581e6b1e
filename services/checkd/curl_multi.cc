#include "services/checkd/curl_multi.h"

#include <sys/epoll.h>

#include <vector>

#include "absl/strings/str_cat.h"

namespace lvs::checkd {

absl::StatusOr<std::unique_ptr<CurlMulti>> CurlMulti::Create(event::EventLoop* loop) {
  static const CURLcode global = curl_global_init(CURL_GLOBAL_DEFAULT);
  if (global != CURLE_OK) {
    return absl::InternalError(absl::StrCat("curl_global_init: ", curl_easy_strerror(global)));
  }
  CURLM* multi = curl_multi_init();
  if (multi == nullptr) return absl::InternalError("curl_multi_init failed");
  auto self = std::unique_ptr<CurlMulti>(new CurlMulti(loop, multi));
  curl_multi_setopt(multi, CURLMOPT_SOCKETFUNCTION, &CurlMulti::OnSocket);
  curl_multi_setopt(multi, CURLMOPT_SOCKETDATA, self.get());
  curl_multi_setopt(multi, CURLMOPT_TIMERFUNCTION, &CurlMulti::OnTimer);
  curl_multi_setopt(multi, CURLMOPT_TIMERDATA, self.get());
  return self;
}

CurlMulti::CurlMulti(event::EventLoop* loop, CURLM* multi) : loop_(loop), multi_(multi) {}

CurlMulti::~CurlMulti() {
  for (auto& [easy, done] : transfers_) curl_multi_remove_handle(multi_, easy);
  transfers_.clear();
  for (int fd : watched_) loop_->RemoveFd(fd);
  if (timer_ != 0) loop_->CancelTimer(timer_);
  curl_multi_cleanup(multi_);
}

absl::Status CurlMulti::Add(CURL* easy, Done done) {
  CURLMcode rc = curl_multi_add_handle(multi_, easy);
  if (rc != CURLM_OK)
    return absl::InternalError(absl::StrCat("curl_multi_add_handle: ", curl_multi_strerror(rc)));
  transfers_[easy] = std::move(done);
  return absl::OkStatus();
}

void CurlMulti::Remove(CURL* easy) {
  if (transfers_.erase(easy) > 0) curl_multi_remove_handle(multi_, easy);
}

int CurlMulti::OnSocket(CURL*, curl_socket_t fd, int what, void* p, void*) {
  auto* self = static_cast<CurlMulti*>(p);
  if (what == CURL_POLL_REMOVE) {
    if (self->watched_.erase(fd) > 0) self->loop_->RemoveFd(fd);
    return 0;
  }
  uint32_t events = 0;
  if (what & CURL_POLL_IN) events |= EPOLLIN;
  if (what & CURL_POLL_OUT) events |= EPOLLOUT;
  if (self->watched_.contains(fd)) {
    (void)self->loop_->ModifyFd(fd, events);
    return 0;
  }
  auto s = self->loop_->AddFd(fd, events, [self, fd](uint32_t ev) {
    int mask = 0;
    if (ev & EPOLLIN) mask |= CURL_CSELECT_IN;
    if (ev & EPOLLOUT) mask |= CURL_CSELECT_OUT;
    if (ev & (EPOLLERR | EPOLLHUP)) mask |= CURL_CSELECT_ERR;
    self->Act(fd, mask);
  });
  if (!s.ok()) return -1;
  self->watched_.insert(fd);
  return 0;
}

int CurlMulti::OnTimer(CURLM*, long timeout_ms, void* p) {
  auto* self = static_cast<CurlMulti*>(p);
  if (self->timer_ != 0) self->loop_->CancelTimer(self->timer_);
  self->timer_ = 0;
  if (timeout_ms < 0) return 0;
  self->timer_ = self->loop_->AddTimer(absl::Milliseconds(timeout_ms), [self] {
    self->timer_ = 0;
    self->Act(CURL_SOCKET_TIMEOUT, 0);
  });
  return 0;
}

void CurlMulti::Act(curl_socket_t fd, int mask) {
  int running = 0;
  curl_multi_socket_action(multi_, fd, mask, &running);
  DrainCompletions();
}

void CurlMulti::DrainCompletions() {
  // Collect first: a completion callback may add or remove transfers.
  std::vector<std::pair<CURL*, CURLcode>> finished;
  int left = 0;
  while (CURLMsg* msg = curl_multi_info_read(multi_, &left)) {
    if (msg->msg == CURLMSG_DONE) finished.emplace_back(msg->easy_handle, msg->data.result);
  }
  for (auto [easy, result] : finished) {
    auto it = transfers_.find(easy);
    if (it == transfers_.end()) continue;
    Done done = std::move(it->second);
    transfers_.erase(it);
    curl_multi_remove_handle(multi_, easy);
    done(result);
  }
}

}  // namespace lvs::checkd
