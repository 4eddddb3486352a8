// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {IERC721Receiver} from "@openzeppelin/contracts/token/ERC721/IERC721Receiver.sol";

/// @title ReceiverProbe: a test-only ERC-721 receiver whose answer is chosen at deploy.
/// @dev Used by genmint's Go tests of safeTransferFrom; never deployed by genmint itself.
contract ReceiverProbe is IERC721Receiver {
    enum Mode {
        Accept, // returns the magic value and records the call
        WrongValue, // returns another bytes4
        RevertWithError, // reverts with Rejected()
        RevertEmpty // reverts with no data, like a contract without the hook
    }

    error Rejected();

    event Received(address operator, address from, uint256 tokenId, bytes data);

    Mode public immutable mode;

    constructor(Mode m) {
        mode = m;
    }

    function onERC721Received(address operator, address from, uint256 tokenId, bytes calldata data)
        external
        returns (bytes4)
    {
        if (mode == Mode.WrongValue) return bytes4(0xdeadbeef);
        if (mode == Mode.RevertWithError) revert Rejected();
        if (mode == Mode.RevertEmpty) revert();
        emit Received(operator, from, tokenId, data);
        return IERC721Receiver.onERC721Received.selector;
    }
}
