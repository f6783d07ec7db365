#pragma once
// Small helpers shared by the JSON loaders (board profiles, sessions, schedules).

#include <QJsonValue>

#include <string>

namespace ts {

// What a JSON value is, for "expected X, found Y" messages: "a number", "the string \"x\"", ...
std::string jsonTypeName(const QJsonValue& v);

} // namespace ts
