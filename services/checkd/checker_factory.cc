#include "services/checkd/checker_factory.h"

#include "services/checkd/http_checker.h"
#include "services/checkd/misc_checker.h"
#include "services/checkd/tcp_checker.h"

namespace lvs::checkd {

absl::StatusOr<std::unique_ptr<LoopCheckerFactory>> LoopCheckerFactory::Create(event::EventLoop* loop) {
  auto curl = CurlMulti::Create(loop);
  if (!curl.ok()) return curl.status();
  return std::unique_ptr<LoopCheckerFactory>(new LoopCheckerFactory(loop, *std::move(curl)));
}

absl::StatusOr<std::unique_ptr<Checker>> LoopCheckerFactory::Create(const CheckerSpec& spec) {
  switch (spec.kind) {
    case CheckKind::kTcp:
      return std::make_unique<TcpChecker>(loop_, spec);
    case CheckKind::kHttp:
    case CheckKind::kSsl:
      return std::make_unique<HttpChecker>(curl_.get(), spec);
    case CheckKind::kMisc: {
      auto misc = MiscChecker::Create(loop_, spec);
      if (!misc.ok()) return misc.status();
      return std::unique_ptr<Checker>(*std::move(misc));
    }
  }
  return absl::InvalidArgumentError("unknown checker kind");
}

}  // namespace lvs::checkd
