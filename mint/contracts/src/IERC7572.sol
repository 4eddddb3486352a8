// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

/// @title ERC-7572: contract-level metadata via contractURI().
/// @dev The ERC defines no ERC-165 id; marketplaces call contractURI() and watch
/// for ContractURIUpdated to refresh their cache.
interface IERC7572 {
    /// @dev Emitted when the value returned by contractURI() changes.
    event ContractURIUpdated();

    /// @dev The URI of the collection's contract-level JSON metadata.
    function contractURI() external view returns (string memory);
}
