// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

/// @title a16z "Can't Be Evil" licence interface.
/// @dev The interface of a16z's CantBeEvil contracts (github.com/a16z/a16z-contracts,
/// contracts/licenses/contract/ICantBeEvil.sol): getLicenseURI() returns the
/// licence text's URI and getLicenseName() its name. a16z's own implementation
/// (contracts/licenses/contract/CantBeEvil.sol) answers "CBE_CC0", "CBE_ECR",
/// "CBE_NECR", "CBE_NECR_HS", "CBE_PR" or "CBE_PR_HS" and
/// "ar://_D9kN1WrNWbCq55BSAGRbTB4bS3v8QAPTYmBThSbX3A/" + the licence's index
/// 0..5; genmint stores the same strings (see spec/license.go), or the name and
/// URL of another licence named in the spec. Its ERC-165 id is the XOR of the
/// two selectors.
interface ICantBeEvil {
    function getLicenseURI() external view returns (string memory);

    function getLicenseName() external view returns (string memory);
}
