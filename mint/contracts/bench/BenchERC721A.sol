// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {ERC721A} from "erc721a/contracts/ERC721A.sol";
import {Ownable} from "@openzeppelin/contracts/access/Ownable.sol";

/// @title Gas benchmark reference (c): ERC721A, batch _mint.
/// @dev Benchmark only. Ids start at 1 like genmint's.
contract BenchERC721A is ERC721A, Ownable {
    constructor() ERC721A("Bench 721A", "B721A") Ownable(msg.sender) {}

    function mintBatch(address to, uint256 quantity) external onlyOwner {
        _mint(to, quantity);
    }

    function _startTokenId() internal pure override returns (uint256) {
        return 1;
    }

    function _baseURI() internal pure override returns (string memory) {
        return "ipfs://bafybeigdyrzt5sfp7udm7hu76uh7y26nf3efuylqabf3oclgtqy55fbzdi/";
    }
}
