// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {Ownable} from "@openzeppelin/contracts/access/Ownable.sol";
import {ERC2981} from "@openzeppelin/contracts/token/common/ERC2981.sol";
import {IERC165} from "@openzeppelin/contracts/utils/introspection/IERC165.sol";
import {IERC721} from "@openzeppelin/contracts/token/ERC721/IERC721.sol";
import {IERC721Metadata} from "@openzeppelin/contracts/token/ERC721/extensions/IERC721Metadata.sol";
import {ERC721Utils} from "@openzeppelin/contracts/token/ERC721/utils/ERC721Utils.sol";
import {IERC4906} from "@openzeppelin/contracts/interfaces/IERC4906.sol";
import {IERC2309} from "@openzeppelin/contracts/interfaces/IERC2309.sol";
import {IERC721Errors} from "@openzeppelin/contracts/interfaces/draft-IERC6093.sol";
import {Math} from "@openzeppelin/contracts/utils/math/Math.sol";
import {Strings} from "@openzeppelin/contracts/utils/Strings.sol";
import {ShortString, ShortStrings} from "@openzeppelin/contracts/utils/ShortStrings.sol";
import {IERC7007} from "../src/IERC7007.sol";
import {IERC7572} from "../src/IERC7572.sol";

/// @title BenchGenmintV0: gas benchmark reference, GenmintCollection as it was
/// before issue 12 (freeze, two-step ownership, royalty setter, licence,
/// provenance commitment), unchanged but for its name and import paths, so
/// that mint/gasbench measures the gas table before and after in one run.
///
/// Original notice:
/// @notice Token ids start at 1 and equal genmint's item ids. tokenURI(id) is
/// baseURI + decimal id (no per-token URI storage). The owner can change the
/// baseURI (ERC-4906 BatchMetadataUpdate, for reveals) until freezeMetadata(),
/// which is one-way. Royalties follow ERC-2981, contract metadata ERC-7572, and
/// ERC-7007 (prompt + content hash per token) is available when enabled at deploy.
///
/// @dev GAS DESIGN. genmint pins before it mints, so the whole collection is known
/// when the contract is deployed. The constructor therefore mints it as one range:
///   - ownership of ids 1..initialSupply is implied by two immutables (holder and
///     count), so minting costs one balance SSTORE plus one ERC-2309
///     ConsecutiveTransfer event per 5,000 ids (a common indexer limit). ERC-721
///     allows creating any number of tokens without Transfer events during
///     contract creation, and ERC-2309 is how indexers learn about them.
///   - a token's owner is written to storage only when it first moves. Its first
///     transfer therefore pays exactly one zero->nonzero SSTORE (its owner) plus the
///     two balance updates, and finds the implied owner with no storage read at
///     all: there is no scan back as in ERC721A.
/// Items added later go through mintBatch(to, quantity), which emits one Transfer
/// per token (required outside construction) and records the batch in O(1)
/// storage: the batch's owner goes into a "page" slot, indexed by a two-level
/// bitmap, so finding the owner of a never-transferred later token costs at most
/// four cold storage reads whatever the number or size of batches. See the
/// LATER BATCHES section below.
///
/// Measured by mint/gasbench on anvil: a 10,000-item constructor mint adds under
/// 3 gas per token to the deployment; a first transfer to an account that
/// already holds a token costs about 57,000 gas for an initial token and at
/// most about 66,500 for a later one (an account holding none adds the same
/// 17,100 as on any ERC-721); mintBatch costs about 1% less per token than
/// ERC721A's _mint at batches of 100.
///
/// Approvals: the per-token approval slot is only read when bit 160 of the token's
/// ownership word says an approval may exist, so a plain transfer does not pay a
/// cold read (or a clearing write) of the approval slot.
///
/// Burning is not supported: a minted token exists forever.
contract BenchGenmintV0 is
    IERC721Metadata,
    IERC4906,
    IERC2309,
    IERC7572,
    IERC7007,
    IERC721Errors,
    ERC2981,
    Ownable
{
    using Strings for uint256;
    using ShortStrings for string;
    using ShortStrings for ShortString;

    /// @notice Everything the constructor needs, taken from the collection's spec.
    struct Config {
        string name;
        string symbol;
        string baseURI; // tokenURI(id) = baseURI + id
        string contractURI; // ERC-7572 contract-level metadata
        address owner; // Ownable owner: the only account that may mint or change metadata
        address initialHolder; // receives tokens 1..initialSupply at deployment
        uint256 initialSupply; // items minted by the constructor (may be 0)
        uint256 maxSupply; // supply cap, fixed forever
        address royaltyReceiver; // ERC-2981; zero with royaltyBps 0 means no royalty
        uint96 royaltyBps; // ERC-2981, in basis points (1/10,000)
        bool aigc; // enable ERC-7007 (addAigcData/verify)
    }

    /// @notice More tokens were asked for than the supply cap leaves.
    error MaxSupplyExceeded(uint256 maxSupply, uint256 requestedLastId);
    /// @notice mintBatch was called with quantity 0.
    error MintZeroQuantity();
    /// @notice The supply cap is zero, too large, or below the initial supply.
    error InvalidSupply(uint256 initialSupply, uint256 maxSupply);
    /// @notice The metadata was frozen by freezeMetadata(); it can never change again.
    error MetadataIsFrozen();
    /// @notice ERC-7007 was not enabled when the contract was deployed.
    error AigcDisabled();
    /// @notice The token already has its ERC-7007 data; it is written once.
    error AigcDataAlreadySet(uint256 tokenId);
    /// @notice addAigcData needs a non-empty prompt and content hash.
    error AigcDataEmpty();

    /// @notice Emitted once, when freezeMetadata() makes the baseURI permanent.
    event MetadataFrozen(string baseURI);

    // ---------------------------------------------------------------- storage
    //
    // Layout note: Ownable's `_owner` (20 bytes) is the last inherited state
    // variable, so the two cursor fields below share its slot. mintBatch reads
    // that slot anyway for onlyOwner, which makes reading and updating the cursor
    // almost free (warm). A test checks this packing in the compiled storage layout.

    /// @dev Next token id to mint (= totalSupply() + 1). uint32 caps ids at 2^32-2.
    uint32 private _nextId;
    /// @dev Start-page flags of the region holding id _nextId-1 (see LATER BATCHES).
    uint64 private _curPages;

    /// @dev Explicit owner of a token that has moved at least once (bits 0..159),
    /// plus _APPROVED_FLAG (bit 160). Zero means "implied owner".
    mapping(uint256 tokenId => uint256) private _ownership;
    mapping(uint256 tokenId => address) private _tokenApprovals;
    mapping(address owner => uint256) private _balances;
    mapping(address owner => mapping(address operator => bool)) private _operatorApprovals;

    // LATER BATCHES. Ids are split into pages of 96 ids and regions of 64 pages
    // (6,144 ids). A batch is recorded where it starts:
    //   _pages[p]       bits 0..159: owner of the LAST batch starting in page p;
    //                   bits 160..255: start flags, bit i = a batch starts at p*96+i.
    //   _batchOwners[s] owner of a batch starting at s that is not the last one
    //                   to start in its page (moved there when a later one does).
    //   region flags    bit j = page r*64+j has a start. Kept in the cursor
    //                   (_curPages) for the current region, flushed to
    //                   _regions[r] bits 0..63 when minting leaves the region.
    //   _regions[r]     bits 64..223: "carry", the owner of the batch covering the
    //                   region's first ids when that batch started in an earlier region.
    // Since batches are contiguous, the owner of id t is the owner of the last
    // batch starting at or before t: the page's own flags, else the region's flags,
    // else the region's carry answer that in O(1).
    // Cost per batch: one new page slot (22,100), plus a 5,000 write when two
    // batches start in one page, plus one region write per region crossed.
    uint256 private constant _PAGE = 96;
    uint256 private constant _REGION_PAGES = 64;
    uint256 private constant _REGION = _PAGE * _REGION_PAGES;
    mapping(uint256 page => uint256) private _pages;
    mapping(uint256 startId => address) private _batchOwners;
    mapping(uint256 region => uint256) private _regions;

    uint256 private constant _APPROVED_FLAG = 1 << 160;
    uint256 private constant _ADDRESS_MASK = (1 << 160) - 1;

    /// @dev keccak256("Transfer(address,address,uint256)"), for the mint loop.
    bytes32 private constant _TRANSFER_TOPIC = 0xddf252ad1be2c89b69c2b068fc378daa952ba7f163c4a11628f55a4df523b3ef;

    /// @dev ERC-2309 events carry at most this many ids (an indexer limit that
    /// OpenZeppelin's ERC721Consecutive also uses).
    uint256 private constant _MAX_CONSECUTIVE = 5000;

    ShortString private immutable _name;
    ShortString private immutable _symbol;
    string private _nameFallback;
    string private _symbolFallback;
    string private _baseTokenURI;
    string private _contractMetadataURI;
    bool private _frozen;

    address private immutable _INITIAL_HOLDER;
    uint256 private immutable _INITIAL_SUPPLY;
    uint256 private immutable _MAX_SUPPLY;
    bool private immutable _AIGC;

    struct Aigc {
        bytes prompt;
        bytes aigcData;
    }

    mapping(uint256 tokenId => Aigc) private _aigc;

    constructor(Config memory c) Ownable(c.owner) {
        if (c.maxSupply == 0 || c.maxSupply > type(uint32).max - 1 || c.initialSupply > c.maxSupply) {
            revert InvalidSupply(c.initialSupply, c.maxSupply);
        }
        _name = c.name.toShortStringWithFallback(_nameFallback);
        _symbol = c.symbol.toShortStringWithFallback(_symbolFallback);
        _baseTokenURI = c.baseURI;
        _contractMetadataURI = c.contractURI;
        if (c.royaltyReceiver != address(0) || c.royaltyBps != 0) {
            // Reverts with ERC2981InvalidDefaultRoyalty(Receiver) on bad values.
            _setDefaultRoyalty(c.royaltyReceiver, c.royaltyBps);
        }
        _MAX_SUPPLY = c.maxSupply;
        _AIGC = c.aigc;
        _INITIAL_SUPPLY = c.initialSupply;
        _INITIAL_HOLDER = c.initialHolder;
        uint256 n = c.initialSupply;
        if (n != 0) {
            if (c.initialHolder == address(0)) revert ERC721InvalidReceiver(address(0));
            _balances[c.initialHolder] = n;
            for (uint256 first = 1; first <= n; first += _MAX_CONSECUTIVE) {
                emit ConsecutiveTransfer(first, Math.min(first + _MAX_CONSECUTIVE - 1, n), address(0), c.initialHolder);
            }
        }
        _nextId = uint32(n + 1);
    }

    // ------------------------------------------------------------- ERC-165

    /// @notice ERC-165, ERC-721, ERC-721 metadata, ERC-2981, ERC-4906 and, when
    /// enabled at deploy, ERC-7007.
    function supportsInterface(bytes4 interfaceId) public view override(ERC2981, IERC165) returns (bool) {
        return interfaceId == type(IERC721).interfaceId || interfaceId == type(IERC721Metadata).interfaceId
            || interfaceId == bytes4(0x49064906) // ERC-4906, as the ERC defines it
            || (_AIGC && interfaceId == type(IERC7007).interfaceId) || super.supportsInterface(interfaceId);
    }

    // ------------------------------------------------------------- ERC-721

    function balanceOf(address owner) public view returns (uint256) {
        if (owner == address(0)) revert ERC721InvalidOwner(address(0));
        return _balances[owner];
    }

    function ownerOf(uint256 tokenId) public view returns (address) {
        return _requireOwned(tokenId);
    }

    function approve(address to, uint256 tokenId) public {
        uint256 packed = _ownership[tokenId];
        address owner = _ownerFrom(packed, tokenId);
        if (owner == address(0)) revert ERC721NonexistentToken(tokenId);
        if (msg.sender != owner && !_operatorApprovals[owner][msg.sender]) revert ERC721InvalidApprover(msg.sender);
        _tokenApprovals[tokenId] = to;
        // Keep the invariant "approval set => flag set". Approving materialises an
        // implied owner (the approver pays that SSTORE, the later transfer does not).
        uint256 want = to == address(0) ? packed & ~_APPROVED_FLAG : (packed | uint160(owner) | _APPROVED_FLAG);
        if (want != packed) _ownership[tokenId] = want;
        emit Approval(owner, to, tokenId);
    }

    function getApproved(uint256 tokenId) public view returns (address) {
        _requireOwned(tokenId);
        return _tokenApprovals[tokenId];
    }

    function setApprovalForAll(address operator, bool approved) public {
        if (operator == address(0)) revert ERC721InvalidOperator(address(0));
        _operatorApprovals[msg.sender][operator] = approved;
        emit ApprovalForAll(msg.sender, operator, approved);
    }

    function isApprovedForAll(address owner, address operator) public view returns (bool) {
        return _operatorApprovals[owner][operator];
    }

    function transferFrom(address from, address to, uint256 tokenId) public {
        if (to == address(0)) revert ERC721InvalidReceiver(address(0));
        uint256 packed = _ownership[tokenId];
        address owner = _ownerFrom(packed, tokenId);
        if (owner == address(0)) revert ERC721NonexistentToken(tokenId);
        if (msg.sender != owner && !_operatorApprovals[owner][msg.sender]) {
            if (packed & _APPROVED_FLAG == 0 || _tokenApprovals[tokenId] != msg.sender) {
                revert ERC721InsufficientApproval(msg.sender, tokenId);
            }
        }
        if (owner != from) revert ERC721IncorrectOwner(from, tokenId, owner);
        if (packed & _APPROVED_FLAG != 0) delete _tokenApprovals[tokenId];
        unchecked {
            // A balance cannot underflow (owner holds tokenId) nor overflow (ids < 2^32).
            _balances[from] -= 1;
            _balances[to] += 1;
        }
        _ownership[tokenId] = uint160(to);
        emit Transfer(from, to, tokenId);
    }

    function safeTransferFrom(address from, address to, uint256 tokenId) public {
        safeTransferFrom(from, to, tokenId, "");
    }

    function safeTransferFrom(address from, address to, uint256 tokenId, bytes memory data) public {
        transferFrom(from, to, tokenId);
        ERC721Utils.checkOnERC721Received(msg.sender, from, to, tokenId, data);
    }

    // ---------------------------------------------------- ERC-721 metadata

    function name() public view returns (string memory) {
        return _name.toStringWithFallback(_nameFallback);
    }

    function symbol() public view returns (string memory) {
        return _symbol.toStringWithFallback(_symbolFallback);
    }

    /// @notice baseURI + decimal token id, or "" while the baseURI is empty.
    function tokenURI(uint256 tokenId) public view returns (string memory) {
        _requireOwned(tokenId);
        string memory base = _baseTokenURI;
        return bytes(base).length == 0 ? "" : string.concat(base, tokenId.toString());
    }

    /// @notice The prefix of every tokenURI.
    function baseURI() external view returns (string memory) {
        return _baseTokenURI;
    }

    /// @notice Changes the baseURI (a reveal, or a move to another gateway) and
    /// tells marketplaces to refresh every token (ERC-4906). Reverts once frozen.
    function setBaseURI(string calldata newBaseURI) external onlyOwner {
        if (_frozen) revert MetadataIsFrozen();
        _baseTokenURI = newBaseURI;
        emit BatchMetadataUpdate(1, type(uint256).max);
    }

    /// @notice Makes the baseURI permanent. One-way: it cannot be undone.
    function freezeMetadata() external onlyOwner {
        if (_frozen) revert MetadataIsFrozen();
        _frozen = true;
        emit MetadataFrozen(_baseTokenURI);
    }

    /// @notice Whether freezeMetadata() was called.
    function metadataFrozen() external view returns (bool) {
        return _frozen;
    }

    // ------------------------------------------------------------ ERC-7572

    function contractURI() external view returns (string memory) {
        return _contractMetadataURI;
    }

    /// @notice Changes the contract-level metadata URI (not affected by freezeMetadata).
    function setContractURI(string calldata newContractURI) external onlyOwner {
        _contractMetadataURI = newContractURI;
        emit ContractURIUpdated();
    }

    // -------------------------------------------------------------- supply

    /// @notice Number of tokens minted so far (ids 1..totalSupply()).
    function totalSupply() external view returns (uint256) {
        return uint256(_nextId) - 1;
    }

    /// @notice The supply cap fixed at deployment.
    function maxSupply() external view returns (uint256) {
        return _MAX_SUPPLY;
    }

    /// @notice Mints ids totalSupply()+1 .. totalSupply()+quantity to `to`, one
    /// Transfer event each, in O(1) storage. Like ERC721A's _mint it does not call
    /// onERC721Received: the owner chooses the recipient.
    function mintBatch(address to, uint256 quantity) external onlyOwner {
        if (to == address(0)) revert ERC721InvalidReceiver(address(0));
        if (quantity == 0) revert MintZeroQuantity();
        uint256 start = _nextId;
        uint256 end = start + quantity; // exclusive
        if (end - 1 > _MAX_SUPPLY) revert MaxSupplyExceeded(_MAX_SUPPLY, end - 1);

        uint256 bits = _curPages; // start-page flags of region((start-1))
        uint256 region = start / _REGION;
        if ((start - 1) / _REGION != region) {
            // The previous batch ended on the last id of a region: retire its flags.
            if (bits != 0) _regions[region - 1] |= bits;
            bits = 0;
        }
        uint256 page = start / _PAGE;
        uint256 slot = _pages[page];
        uint256 flags = slot >> 160;
        if (flags != 0) {
            // Another batch already starts in this page: keep its owner aside.
            _batchOwners[page * _PAGE + Math.log2(flags)] = address(uint160(slot));
        }
        _pages[page] = uint256(uint160(to)) | ((flags | (1 << (start % _PAGE))) << 160);
        bits |= 1 << (page % _REGION_PAGES);
        uint256 lastRegion = (end - 1) / _REGION;
        if (lastRegion != region) {
            // The batch runs into later regions: retire this region's flags and
            // tell every region it enters who owns its first ids.
            _regions[region] |= bits;
            uint256 carry = uint256(uint160(to)) << 64;
            for (uint256 r = region + 1; r <= lastRegion; ++r) {
                _regions[r] = carry;
            }
            bits = 0;
        }
        _nextId = uint32(end);
        _curPages = uint64(bits);
        unchecked {
            _balances[to] += quantity;
        }
        // One Transfer per token. Unrolled by four: the loop test and jump then
        // cost ~6 gas per token instead of ~25 (the LOG4 itself is 1,875).
        assembly ("memory-safe") {
            let id := start
            for { let end4 := sub(end, mod(quantity, 4)) } lt(id, end4) { id := add(id, 4) } {
                log4(0, 0, _TRANSFER_TOPIC, 0, to, id)
                log4(0, 0, _TRANSFER_TOPIC, 0, to, add(id, 1))
                log4(0, 0, _TRANSFER_TOPIC, 0, to, add(id, 2))
                log4(0, 0, _TRANSFER_TOPIC, 0, to, add(id, 3))
            }
            for {} lt(id, end) { id := add(id, 1) } { log4(0, 0, _TRANSFER_TOPIC, 0, to, id) }
        }
    }

    // ------------------------------------------------------------ ERC-7007

    /// @notice Records the prompt and the content hash (aigcData) of `tokenId`,
    /// once. Owner only; needs ERC-7007 enabled at deploy. `proof` is emitted, not
    /// stored: genmint proves generation off-chain through its provenance record.
    function addAigcData(uint256 tokenId, bytes calldata prompt, bytes calldata aigcData, bytes calldata proof)
        external
        onlyOwner
    {
        if (!_AIGC) revert AigcDisabled();
        _requireOwned(tokenId);
        if (prompt.length == 0 || aigcData.length == 0) revert AigcDataEmpty();
        Aigc storage a = _aigc[tokenId];
        if (a.aigcData.length != 0) revert AigcDataAlreadySet(tokenId);
        a.prompt = prompt;
        a.aigcData = aigcData;
        emit AigcData(tokenId, prompt, aigcData, proof);
    }

    /// @notice True when `proof` is abi.encode(tokenId) of a token whose recorded
    /// prompt and aigcData are exactly these. genmint has no zkML/opML prover: this
    /// checks the registration by the collection owner, not the generation itself.
    function verify(bytes calldata prompt, bytes calldata aigcData, bytes calldata proof)
        external
        view
        returns (bool success)
    {
        if (!_AIGC || proof.length != 32) return false;
        Aigc storage a = _aigc[abi.decode(proof, (uint256))];
        return a.aigcData.length != 0 && keccak256(a.prompt) == keccak256(prompt)
            && keccak256(a.aigcData) == keccak256(aigcData);
    }

    /// @notice The ERC-7007 data recorded for `tokenId` (empty when none).
    function aigcDataOf(uint256 tokenId) external view returns (bytes memory prompt, bytes memory aigcData) {
        _requireOwned(tokenId);
        Aigc storage a = _aigc[tokenId];
        return (a.prompt, a.aigcData);
    }

    // ------------------------------------------------------------ internal

    function _requireOwned(uint256 tokenId) private view returns (address owner) {
        owner = _ownerFrom(_ownership[tokenId], tokenId);
        if (owner == address(0)) revert ERC721NonexistentToken(tokenId);
    }

    /// @dev The owner of `tokenId` given its ownership word, or zero if the token
    /// does not exist. Initial tokens: no storage read; later ones: see _laterOwner.
    function _ownerFrom(uint256 packed, uint256 tokenId) private view returns (address) {
        if (packed != 0) return address(uint160(packed));
        if (tokenId == 0) return address(0);
        if (tokenId <= _INITIAL_SUPPLY) return _INITIAL_HOLDER;
        uint256 next = _nextId;
        if (tokenId >= next) return address(0);
        return _laterOwner(tokenId, next);
    }

    /// @dev Owner of a minted, never-transferred token from a later batch: the
    /// owner of the last batch starting at or before it. Reads at most three slots
    /// besides the cursor: its page, then either a moved batch owner, or its
    /// region's flags and an earlier page, or its region's carry.
    function _laterOwner(uint256 tokenId, uint256 next) private view returns (address) {
        uint256 page = tokenId / _PAGE;
        uint256 slot = _pages[page];
        uint256 flags = slot >> 160;
        uint256 below = flags & ((2 << (tokenId % _PAGE)) - 1);
        if (below != 0) {
            uint256 s = Math.log2(below);
            if (s == Math.log2(flags)) return address(uint160(slot));
            return _batchOwners[page * _PAGE + s];
        }
        uint256 region = page / _REGION_PAGES;
        bool current = region == (next - 1) / _REGION;
        uint256 regionSlot = current ? 0 : _regions[region];
        uint256 bits = current ? _curPages : regionSlot & type(uint64).max;
        bits &= (1 << (page % _REGION_PAGES)) - 1;
        if (bits != 0) return address(uint160(_pages[region * _REGION_PAGES + Math.log2(bits)]));
        if (current) regionSlot = _regions[region];
        return address(uint160(regionSlot >> 64));
    }
}
