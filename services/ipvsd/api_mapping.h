// The Ipvs API's messages to and from the table's values. Requests from outside are
// validated here: a malformed key is INVALID_ARGUMENT with what is wrong.
#pragma once

#include "absl/status/statusor.h"
#include "lvs/v1/ipvs.pb.h"
#include "services/ipvsd/desired_table.h"
#include "services/ipvsd/ipvs_types.h"
#include "services/ipvsd/service_config.h"

namespace lvs::ipvs {

absl::StatusOr<ServiceKey> ServiceKeyFromProto(const lvs::v1::ServiceKey& p);
lvs::v1::ServiceKey ServiceKeyToProto(const ServiceKey& k);
absl::StatusOr<DestKey> RealKeyFromProto(const lvs::v1::RealKey& p);
lvs::v1::RealKey RealKeyToProto(const DestKey& k);

absl::StatusOr<OverrideKind> OverrideFromProto(int value);
lvs::v1::Override OverrideToProto(OverrideKind k);
lvs::v1::ForwardingMethod ForwardingToProto(Forwarding f);
lvs::v1::IpvsStats StatsToProto(const Stats& s);

// What the API shows of one service: the config's view of it joined with the
// kernel's (cached) table, the desired state (health, quorum) and the overrides.
lvs::v1::IpvsService ServiceToProto(const ServiceConfig& sc, const Table& actual,
                                    const DesiredTable& desired, const OverrideMap& overrides);

}  // namespace lvs::ipvs
