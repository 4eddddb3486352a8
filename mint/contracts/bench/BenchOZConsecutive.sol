// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {ERC721} from "@openzeppelin/contracts/token/ERC721/ERC721.sol";
import {ERC721Consecutive} from "@openzeppelin/contracts/token/ERC721/extensions/ERC721Consecutive.sol";

/// @title Gas benchmark reference (d): OpenZeppelin ERC721Consecutive, the whole
/// collection minted in the constructor with ERC-2309 (no later minting possible).
/// @dev Benchmark only. Ids start at 1 like genmint's. `quantity` tokens go to
/// `to`; then, if `extraTo` is not zero, one more token goes to `extraTo` (the
/// benchmark's transfer recipient, which must already hold a token).
contract BenchOZConsecutive is ERC721Consecutive {
    constructor(address to, uint96 quantity, address extraTo) ERC721("Bench Consecutive", "BCON") {
        while (quantity > 0) {
            uint96 n = quantity > 5000 ? 5000 : quantity;
            _mintConsecutive(to, n);
            quantity -= n;
        }
        if (extraTo != address(0)) _mintConsecutive(extraTo, 1);
    }

    function _firstConsecutiveId() internal pure override returns (uint96) {
        return 1;
    }
}
