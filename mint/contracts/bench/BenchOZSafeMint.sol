// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {ERC721} from "@openzeppelin/contracts/token/ERC721/ERC721.sol";
import {Ownable} from "@openzeppelin/contracts/access/Ownable.sol";

/// @title Gas benchmark reference (a): OpenZeppelin ERC721, one _safeMint per token.
/// @dev Benchmark only. tokenURI = baseURI + id, like genmint's contract.
contract BenchOZSafeMint is ERC721, Ownable {
    uint256 private _next = 1;

    constructor() ERC721("Bench OZ", "BOZ") Ownable(msg.sender) {}

    function mintMany(address to, uint256 quantity) external onlyOwner {
        uint256 id = _next;
        uint256 end = id + quantity;
        for (; id < end; ++id) {
            _safeMint(to, id);
        }
        _next = end;
    }

    function _baseURI() internal pure override returns (string memory) {
        return "ipfs://bafybeigdyrzt5sfp7udm7hu76uh7y26nf3efuylqabf3oclgtqy55fbzdi/";
    }
}
