// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {IERC165} from "@openzeppelin/contracts/utils/introspection/IERC165.sol";
import {IERC721} from "@openzeppelin/contracts/token/ERC721/IERC721.sol";

/// @title ERC-7007: Verifiable AI-Generated Content Token (base interface).
/// @dev Written from the text of the final ERC. Its ERC-165 id is the XOR of the
/// selectors of addAigcData and verify: 0x702c55a6.
interface IERC7007 is IERC165, IERC721 {
    /// @dev Emitted when AI-generated content data is added to `tokenId`.
    event AigcData(uint256 indexed tokenId, bytes indexed prompt, bytes aigcData, bytes proof);

    /// @dev Adds the AI-generated content data of `tokenId`.
    function addAigcData(uint256 tokenId, bytes calldata prompt, bytes calldata aigcData, bytes calldata proof)
        external;

    /// @dev Verifies `prompt`, `aigcData` and `proof`.
    function verify(bytes calldata prompt, bytes calldata aigcData, bytes calldata proof)
        external
        view
        returns (bool success);
}
