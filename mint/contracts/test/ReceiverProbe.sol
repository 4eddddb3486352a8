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
        RevertEmpty, // reverts with no data, like a contract without the hook
        ShortReturn, // returns only the 4 bytes of the magic value, not a whole word
        DirtyReturn, // returns a word starting with the magic value but not a clean bytes4
        LongReturn // returns the magic value's word followed by another word
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
        bytes32 magic = bytes32(IERC721Receiver.onERC721Received.selector);
        if (mode == Mode.ShortReturn) {
            assembly ("memory-safe") {
                mstore(0, magic)
                return(0, 4)
            }
        }
        if (mode == Mode.DirtyReturn) {
            assembly ("memory-safe") {
                mstore(0, or(magic, 1))
                return(0, 0x20)
            }
        }
        if (mode == Mode.LongReturn) {
            assembly ("memory-safe") {
                mstore(0, magic)
                mstore(0x20, 7)
                return(0, 0x40)
            }
        }
        emit Received(operator, from, tokenId, data);
        return IERC721Receiver.onERC721Received.selector;
    }
}
