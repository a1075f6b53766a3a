// SPDX-License-Identifier: MIT
#pragma once

#include <string>

namespace cxr::data {

// The patient an image belongs to, from file names that carry it:
//   person1000_bacteria_2931.jpeg -> person1000   (Kermany PNEUMONIA)
//   IM-0115-0001.jpeg             -> IM-0115      (Kermany NORMAL)
//   NORMAL2-IM-1427-0001.jpeg     -> NORMAL2-IM-1427
// Empty when the name follows no known pattern: such an image counts as its own patient.
std::string patientIdFromFileName(const std::string &fileName);

} // namespace cxr::data
