// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {ERC721} from "@openzeppelin/contracts/token/ERC721/ERC721.sol";
import {ERC721URIStorage} from "@openzeppelin/contracts/token/ERC721/extensions/ERC721URIStorage.sol";
import {Ownable} from "@openzeppelin/contracts/access/Ownable.sol";

/// @title Gas benchmark reference (b): OpenZeppelin ERC721URIStorage, a stored URI per token.
/// @dev Benchmark only.
contract BenchOZURIStorage is ERC721URIStorage, Ownable {
    uint256 private _next = 1;

    constructor() ERC721("Bench URIStorage", "BURI") Ownable(msg.sender) {}

    function mintMany(address to, string[] calldata uris) external onlyOwner {
        uint256 id = _next;
        for (uint256 i = 0; i < uris.length; ++i) {
            _safeMint(to, id + i);
            _setTokenURI(id + i, uris[i]);
        }
        _next = id + uris.length;
    }
}
