// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {Ownable} from "@openzeppelin/contracts/access/Ownable.sol";
import {IERC2981} from "@openzeppelin/contracts/interfaces/IERC2981.sol";
import {IERC165} from "@openzeppelin/contracts/utils/introspection/IERC165.sol";
import {IERC721} from "@openzeppelin/contracts/token/ERC721/IERC721.sol";
import {IERC721Metadata} from "@openzeppelin/contracts/token/ERC721/extensions/IERC721Metadata.sol";
import {IERC4906} from "@openzeppelin/contracts/interfaces/IERC4906.sol";
import {IERC2309} from "@openzeppelin/contracts/interfaces/IERC2309.sol";
import {IERC721Errors} from "@openzeppelin/contracts/interfaces/draft-IERC6093.sol";
import {Math} from "@openzeppelin/contracts/utils/math/Math.sol";
import {ShortString, ShortStrings} from "@openzeppelin/contracts/utils/ShortStrings.sol";
import {IERC7007} from "./IERC7007.sol";
import {IERC7572} from "./IERC7572.sol";
import {ICantBeEvil} from "./ICantBeEvil.sol";

/// @title GenmintCollection: the ERC-721 contract genmint deploys for a collection.
///
/// @notice Token ids start at 1 and equal genmint's item ids. tokenURI(id) is
/// baseURI + decimal id (no per-token URI storage). The owner can change the
/// baseURI (ERC-4906 BatchMetadataUpdate, for reveals) until freezeMetadata(),
/// which is one-way and makes the collection final: after it setBaseURI,
/// setContractURI, addAigcData and mintBatch revert with MetadataIsFrozen.
/// Royalties follow ERC-2981 (the owner may change them up to a cap fixed at
/// deploy, defaultRoyaltyCapBps()), contract metadata ERC-7572, the licence a16z's "Can't Be Evil"
/// interface, and ERC-7007 (prompt + content hash per token) is available when
/// enabled at deploy. provenanceHash() is the Merkle root over the whole
/// collection's content (docs/provenance.md), fixed at deploy, so a placeholder
/// launch is bound to the content its reveal must show.
///
/// Ownership is two-step (the interface of OpenZeppelin's Ownable2Step:
/// transferOwnership names a pending owner who must acceptOwnership), so a typo
/// cannot lose the collection, and renounceOwnership reverts until the
/// metadata is frozen, so it cannot leave the collection half-finished forever.
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
contract GenmintCollection is
    IERC721Metadata,
    IERC4906,
    IERC2309,
    IERC7572,
    IERC7007,
    ICantBeEvil,
    IERC721Errors,
    IERC2981,
    Ownable
{
    using ShortStrings for string;

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
        uint96 royaltyCapBps; // setDefaultRoyalty never sets more (fixed forever)
        bool aigc; // enable ERC-7007 (addAigcData/verify)
        bytes32 provenanceHash; // Merkle root over the collection (docs/provenance.md)
        string licenseName; // a16z ICantBeEvil getLicenseName(); "" for none
        string licenseURI; // a16z ICantBeEvil getLicenseURI()
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
    /// @notice renounceOwnership is refused until freezeMetadata(): an ownerless
    /// collection could never be revealed or finished.
    error RenounceBeforeFreeze();
    /// @notice emitPermanentURIs is for frozen metadata only.
    error MetadataNotFrozen();
    /// @notice The royalty asked for is above the cap fixed at deployment.
    error RoyaltyAboveCap(uint256 royaltyBps, uint256 capBps);
    /// @notice A licence name longer than 255 bytes.
    error LicenseNameTooLong(uint256 length);
    /// @notice A royalty above 100% (OpenZeppelin ERC2981's error, kept so
    /// callers decode the same revert).
    error ERC2981InvalidDefaultRoyalty(uint256 numerator, uint256 denominator);
    /// @notice A non-zero royalty with the zero address as receiver (OpenZeppelin ERC2981's error).
    error ERC2981InvalidDefaultRoyaltyReceiver(address receiver);

    /// @notice Emitted once, when freezeMetadata() makes the baseURI permanent.
    event MetadataFrozen(string baseURI);
    /// @notice OpenSea's signal that a token's metadata is frozen for good:
    /// "event PermanentURI(string _value, uint256 indexed _id)", documented in
    /// OpenSea's metadata standards (docs.opensea.io/docs/metadata-standards,
    /// "Freezing metadata") and its announcement "Decentralizing NFT metadata on
    /// OpenSea" (opensea.io/blog, June 2021). One per token, emitted by
    /// emitPermanentURIs in ranges after freezeMetadata().
    event PermanentURI(string _value, uint256 indexed _id);
    /// @notice The pending owner named by transferOwnership (Ownable2Step's event).
    event OwnershipTransferStarted(address indexed previousOwner, address indexed newOwner);
    /// @notice The owner changed the ERC-2981 default royalty.
    event DefaultRoyaltySet(address indexed receiver, uint16 royaltyBps);

    // ---------------------------------------------------------------- storage
    //
    // Layout note: Ownable's `_owner` (20 bytes) is the last inherited state
    // variable, so the two cursor fields below share its slot. mintBatch reads
    // that slot anyway for onlyOwner, which makes reading and updating the cursor
    // almost free (warm). A test checks this packing in the compiled storage layout.

    /// @dev Bits 0..30: next token id to mint (= totalSupply() + 1), so ids stop
    /// at 2^31-2. Bit 31 (_FROZEN): freezeMetadata() was called. The flag lives
    /// here because every function it guards reads this slot anyway (onlyOwner),
    /// and in mintBatch it costs nothing: a frozen cursor is above any supply
    /// cap, so the existing cap check catches it.
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
    uint256 private constant _REGION = 6144; // _PAGE * _REGION_PAGES, written out: a product is not folded before its division-by-zero check
    mapping(uint256 page => uint256) private _pages;
    mapping(uint256 startId => address) private _batchOwners;
    mapping(uint256 region => uint256) private _regions;

    uint256 private constant _FROZEN = 1 << 31;
    uint256 private constant _ID_MASK = _FROZEN - 1;

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
    /// @dev The licence (ICantBeEvil): one byte holding the name's length, the
    /// name, then the URI; empty for none. One value instead of two strings:
    /// a slot less to write at deployment, and one storage read path in the code.
    string private _license;
    /// @dev Ownable2Step's pending owner. Declared here, not inherited from
    /// OpenZeppelin's Ownable2Step, so that Ownable's _owner stays the last
    /// inherited variable and keeps sharing its slot with the mint cursor.
    address private _pendingOwner;
    /// @dev ERC-2981 default royalty: receiver in bits 0..159, basis points in
    /// bits 160..175; zero for none. One slot, and no per-token table (genmint
    /// sets one royalty for the whole collection), so royaltyInfo reads one slot.
    uint256 private _royalty;

    address private immutable _INITIAL_HOLDER;
    uint256 private immutable _INITIAL_SUPPLY;
    uint256 private immutable _MAX_SUPPLY;
    bool private immutable _AIGC;
    uint96 private immutable _ROYALTY_CAP;
    bytes32 private immutable _PROVENANCE;

    /// @dev ERC-7007 records, written once. The slot s of _aigc[tokenId] holds
    /// prompt length | aigcData length << 128 (zero: no record); the prompt and
    /// the aigcData follow as one packed byte string in slots s+1, s+2, ...
    /// (as an array's elements follow its keccak slot). One header instead of
    /// two Solidity `bytes` values: a slot less per record, and about 700 bytes
    /// less code, which every deployment pays for.
    mapping(uint256 tokenId => uint256) private _aigc;

    constructor(Config memory c) Ownable(c.owner) {
        if (c.maxSupply == 0 || c.maxSupply >= _ID_MASK || c.initialSupply > c.maxSupply) {
            revert InvalidSupply(c.initialSupply, c.maxSupply);
        }
        _name = c.name.toShortStringWithFallback(_nameFallback);
        _symbol = c.symbol.toShortStringWithFallback(_symbolFallback);
        _baseTokenURI = c.baseURI;
        _contractMetadataURI = c.contractURI;
        if (c.royaltyBps > c.royaltyCapBps) revert RoyaltyAboveCap(c.royaltyBps, c.royaltyCapBps);
        _ROYALTY_CAP = c.royaltyCapBps;
        if (c.royaltyReceiver != address(0) || c.royaltyBps != 0) _setRoyalty(c.royaltyReceiver, c.royaltyBps);
        _PROVENANCE = c.provenanceHash;
        if (bytes(c.licenseName).length != 0) {
            if (bytes(c.licenseName).length > 255) revert LicenseNameTooLong(bytes(c.licenseName).length);
            _license = string(abi.encodePacked(uint8(bytes(c.licenseName).length), c.licenseName, c.licenseURI));
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
    /// enabled at deploy, ERC-7007 and a16z's ICantBeEvil.
    /// @dev Returns from assembly, through scratch space: when it returned
    /// through the free memory pointer, the optimizer kept that pointer on
    /// the stack for it from the dispatcher's first instruction on, 8 gas on
    /// every other call.
    function supportsInterface(bytes4 interfaceId) public view returns (bool) {
        bool yes = interfaceId == type(IERC721).interfaceId || interfaceId == type(IERC721Metadata).interfaceId
            || interfaceId == bytes4(0x49064906) // ERC-4906, as the ERC defines it
            || interfaceId == type(IERC2981).interfaceId || interfaceId == type(IERC165).interfaceId
            || (_AIGC && interfaceId == type(IERC7007).interfaceId)
            || (interfaceId == type(ICantBeEvil).interfaceId && bytes(_license).length != 0);
        assembly ("memory-safe") {
            mstore(0, yes)
            return(0, 0x20)
        }
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
        // _operatorApprovals[msg.sender][operator] = approved, writing the whole
        // slot: the bool is alone in it, so the stored word is the same, but solc
        // would first read the slot to keep its other (always zero) bytes.
        assembly ("memory-safe") {
            mstore(0, caller())
            mstore(0x20, _operatorApprovals.slot)
            mstore(0x20, keccak256(0, 0x40))
            mstore(0, operator)
            sstore(keccak256(0, 0x40), approved)
        }
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
        if (to.code.length != 0) _checkReceiver(from, to, tokenId, data);
    }

    // ---------------------------------------------------- ERC-721 metadata

    function name() public view returns (string memory) {
        return _shortOr(_name, _slotOf(_nameFallback));
    }

    function symbol() public view returns (string memory) {
        return _shortOr(_symbol, _slotOf(_symbolFallback));
    }

    /// @notice baseURI + decimal token id, or "" while the baseURI is empty.
    function tokenURI(uint256 tokenId) public view returns (string memory) {
        _requireOwned(tokenId);
        string memory base = _str(_slotOf(_baseTokenURI));
        return bytes(base).length == 0 ? "" : string.concat(base, _toString(tokenId));
    }

    /// @notice The prefix of every tokenURI.
    function baseURI() external view returns (string memory) {
        return _str(_slotOf(_baseTokenURI));
    }

    /// @notice Changes the baseURI (a reveal, or a move to another gateway) and
    /// tells marketplaces to refresh every token (ERC-4906). Reverts once frozen.
    function setBaseURI(string calldata newBaseURI) external {
        _checkOwnerNotFrozen();
        _setStr(_baseTokenURI, newBaseURI);
        emit BatchMetadataUpdate(1, type(uint256).max);
    }

    /// @notice Makes the collection final. One-way: after it the baseURI, the
    /// contract URI and the ERC-7007 data never change and no token is minted.
    /// Tells marketplaces to refresh every token (ERC-4906, over 1..totalSupply)
    /// and that the baseURI is permanent (MetadataFrozen; OpenSea's per-token
    /// PermanentURI events follow through emitPermanentURIs).
    function freezeMetadata() external onlyOwner {
        uint256 next = _nextId;
        if (next & _FROZEN != 0) revert MetadataIsFrozen();
        _nextId = uint32(next | _FROZEN);
        unchecked {
            if (next > 1) emit BatchMetadataUpdate(1, next - 1);
        }
        string memory base = _str(_slotOf(_baseTokenURI));
        emit MetadataFrozen(base);
    }

    /// @notice Emits OpenSea's PermanentURI(tokenURI(id), id) for ids first..last
    /// of a frozen collection. Owner only; in ranges, because one event per token
    /// for a whole large collection would not fit in one transaction.
    function emitPermanentURIs(uint256 first, uint256 last) external onlyOwner {
        uint256 next = _nextId;
        if (next & _FROZEN == 0) revert MetadataNotFrozen();
        if (first == 0 || first > last) revert ERC721NonexistentToken(first);
        if (last >= next & _ID_MASK) revert ERC721NonexistentToken(last);
        string memory base = _str(_slotOf(_baseTokenURI));
        for (uint256 id = first; id <= last;) {
            emit PermanentURI(string.concat(base, _toString(id)), id);
            unchecked {
                ++id; // last < 2^31
            }
        }
    }

    /// @notice Whether freezeMetadata() was called.
    function metadataFrozen() external view returns (bool) {
        return _nextId & _FROZEN != 0;
    }

    // ------------------------------------------------------------ ERC-7572

    function contractURI() external view returns (string memory) {
        return _str(_slotOf(_contractMetadataURI));
    }

    /// @notice Changes the contract-level metadata URI. Reverts once frozen.
    function setContractURI(string calldata newContractURI) external {
        _checkOwnerNotFrozen();
        _setStr(_contractMetadataURI, newContractURI);
        emit ContractURIUpdated();
    }

    // -------------------------------------------------------------- supply

    /// @notice Number of tokens minted so far (ids 1..totalSupply()).
    function totalSupply() external view returns (uint256) {
        unchecked {
            return (_nextId & _ID_MASK) - 1; // the cursor starts at 1
        }
    }

    /// @notice The supply cap fixed at deployment.
    function maxSupply() external view returns (uint256) {
        return _MAX_SUPPLY;
    }

    /// @notice Mints ids totalSupply()+1 .. totalSupply()+quantity to `to`, one
    /// Transfer event each, in O(1) storage. Like ERC721A's _mint it does not call
    /// onERC721Received: the owner chooses the recipient. Reverts once frozen.
    function mintBatch(address to, uint256 quantity) external onlyOwner {
        if (to == address(0)) revert ERC721InvalidReceiver(address(0));
        if (quantity == 0) revert MintZeroQuantity();
        uint256 start = _nextId; // with _FROZEN set, start > _MAX_SUPPLY + 1
        uint256 end = start + quantity; // exclusive
        // Nothing below can overflow: end did not (checked), and past the cap check it is under 2^31.
        unchecked {
            if (end - 1 > _MAX_SUPPLY) {
                // A frozen cursor is above every cap: say why (re-reading the warm
                // slot here keeps the flag off the stack of the path that mints).
                _requireNotFrozen();
                revert MaxSupplyExceeded(_MAX_SUPPLY, end - 1);
            }

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
        _requireNotFrozen();
        _requireOwned(tokenId);
        if (prompt.length == 0 || aigcData.length == 0) revert AigcDataEmpty();
        uint256 slot = _aigcSlot(tokenId);
        if (_sload(slot) != 0) revert AigcDataAlreadySet(tokenId);
        (uint256 m, uint256 total) = _packAigc(prompt, aigcData);
        assembly ("memory-safe") {
            sstore(slot, or(prompt.length, shl(128, aigcData.length)))
            for { let i := 0 } lt(i, total) { i := add(i, 0x20) } {
                sstore(add(add(slot, 1), shr(5, i)), mload(add(m, i)))
            }
        }
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
        uint256 slot = _aigcSlot(uint256(bytes32(proof)));
        uint256 h = _sload(slot);
        if (h == 0 || h != prompt.length | aigcData.length << 128) return false;
        (uint256 m, uint256 total) = _packAigc(prompt, aigcData);
        assembly ("memory-safe") {
            success := 1
            for { let i := 0 } lt(i, total) { i := add(i, 0x20) } {
                if iszero(eq(mload(add(m, i)), sload(add(add(slot, 1), shr(5, i))))) {
                    success := 0
                    break
                }
            }
        }
    }

    /// @notice The ERC-7007 data recorded for `tokenId` (empty when none).
    function aigcDataOf(uint256 tokenId) external view returns (bytes memory prompt, bytes memory aigcData) {
        _requireOwned(tokenId);
        return _readAigc(tokenId);
    }

    // ---------------------------------------------------------- provenance

    /// @notice The Merkle root over every token's (id, image CID, provenance
    /// record CID, final image sha256), in id order, fixed at deployment. See
    /// docs/provenance.md for the tree, so anyone can recompute it.
    function provenanceHash() external view returns (bytes32) {
        return _PROVENANCE;
    }

    // ------------------------------------------------------- a16z licence

    /// @notice The licence's URI (ICantBeEvil), "" when none was set at deploy.
    function getLicenseURI() external view returns (string memory) {
        return _licensePart(false);
    }

    /// @notice The licence's name (ICantBeEvil), "" when none was set at deploy.
    function getLicenseName() external view returns (string memory) {
        return _licensePart(true);
    }

    // ------------------------------------------------------------- royalty

    /// @notice Sets the ERC-2981 royalty of every token; receiver 0 with 0 bps
    /// removes it. Owner only; never above defaultRoyaltyCapBps().
    /// @dev Basis points as uint256, not OpenZeppelin's internal uint96: solc's
    /// dispatcher compares the selector with every selector below it, one after
    /// the other, so each function whose selector sorts before a hot path's
    /// costs that path 22 gas per call. This one's, 0xd8d045b4, sorts after
    /// every ERC-721 function, setBaseURI's and setContractURI's, as does
    /// defaultRoyaltyCapBps()'s; mint/gasbench holds every operation at or
    /// below its cost before issue 12.
    function setDefaultRoyalty(address receiver, uint256 royaltyBps) external onlyOwner {
        uint256 cap = _ROYALTY_CAP;
        if (royaltyBps > cap) revert RoyaltyAboveCap(royaltyBps, cap);
        _setRoyalty(receiver, royaltyBps);
        emit DefaultRoyaltySet(receiver, uint16(royaltyBps)); // _setRoyalty refused more than 10,000
    }

    /// @notice ERC-2981: the same receiver and basis points for every token id,
    /// minted or not; (0, 0) when there is no royalty.
    function royaltyInfo(uint256, uint256 salePrice) external view returns (address receiver, uint256 amount) {
        uint256 r = _royalty;
        return (address(uint160(r)), salePrice * (r >> 160) / 10_000);
    }

    /// @notice The highest royalty setDefaultRoyalty accepts, in basis points.
    function defaultRoyaltyCapBps() external view returns (uint256) {
        return _ROYALTY_CAP;
    }

    // ------------------------------------------------------- two-step owner

    /// @notice The account transferOwnership named, until it accepts.
    function pendingOwner() external view returns (address) {
        return _pendingOwner;
    }

    /// @notice Names `newOwner` as pending owner; ownership moves only when it
    /// calls acceptOwnership. Naming the zero address cancels.
    function transferOwnership(address newOwner) public override onlyOwner {
        _pendingOwner = newOwner;
        emit OwnershipTransferStarted(owner(), newOwner);
    }

    /// @notice The pending owner takes ownership.
    function acceptOwnership() external {
        if (_pendingOwner != msg.sender) revert OwnableUnauthorizedAccount(msg.sender);
        delete _pendingOwner;
        _transferOwnership(msg.sender);
    }

    /// @notice Leaves the collection without an owner, for good. Only once the
    /// metadata is frozen: before, nobody could ever reveal or finish it.
    function renounceOwnership() public override onlyOwner {
        if (_nextId & _FROZEN == 0) revert RenounceBeforeFreeze();
        delete _pendingOwner;
        _transferOwnership(address(0));
    }

    // ------------------------------------------------------------ internal

    /// @dev What OpenZeppelin's ERC2981._setDefaultRoyalty checks, in its order
    /// and with its errors; receiver 0 with 0 bps removes the royalty.
    function _setRoyalty(address receiver, uint256 bps) private {
        if (bps > 10_000) revert ERC2981InvalidDefaultRoyalty(bps, 10_000);
        if (receiver == address(0) && bps != 0) revert ERC2981InvalidDefaultRoyaltyReceiver(address(0));
        _royalty = uint256(uint160(receiver)) | bps << 160;
    }

    /// @dev The decimal digits of `value` (OpenZeppelin's Strings.toString does
    /// the same in 300 more bytes of code, which every deployment pays for).
    function _toString(uint256 value) private pure returns (string memory s) {
        assembly ("memory-safe") {
            // 78 digits at most: written backwards from s+0x80, then the length
            // word just before the first digit.
            let end := add(mload(0x40), 0x80)
            mstore(0x40, end)
            let p := end
            for {} 1 {} {
                p := sub(p, 1)
                mstore8(p, add(48, mod(value, 10)))
                value := div(value, 10)
                if iszero(value) { break }
            }
            s := sub(p, 0x20)
            mstore(s, sub(end, p))
        }
    }

    /// @dev OpenZeppelin's ERC721Utils.checkOnERC721Received for a `to` with
    /// code: the same call (all gas, the same calldata), and the same outcome
    /// for every answer: the magic value passes; another well-formed bytes4
    /// reverts with ERC721InvalidReceiver(to), as does a revert without data;
    /// a revert with data is bubbled up; a return shorter than a word, or a
    /// word that is not a clean bytes4, reverts without data (Solidity's
    /// decoding failure). In assembly: the try/catch costs 300 more bytes of
    /// code, which every deployment pays for. The differential suite against
    /// OpenZeppelin covers each answer (test/ReceiverProbe.sol).
    function _checkReceiver(address from, address to, uint256 tokenId, bytes memory data) private {
        bool rejected;
        assembly ("memory-safe") {
            // onERC721Received(msg.sender, from, tokenId, data), ABI-encoded
            // past the free memory pointer.
            let m := mload(0x40)
            let len := mload(data)
            mstore(m, 0x150b7a02)
            mstore(add(m, 0x20), caller())
            mstore(add(m, 0x40), from)
            mstore(add(m, 0x60), tokenId)
            mstore(add(m, 0x80), 0x80)
            mstore(add(m, 0xa0), len)
            mcopy(add(m, 0xc0), add(data, 0x20), len)
            mstore(add(add(m, 0xc0), len), 0)
            let ok := call(gas(), to, 0, add(m, 0x1c), add(0xa4, and(add(len, 0x1f), not(0x1f))), 0, 0x20)
            switch ok
            case 0 {
                if returndatasize() {
                    returndatacopy(m, 0, returndatasize())
                    revert(m, returndatasize())
                }
                rejected := 1
            }
            default {
                let r := mload(0)
                if or(lt(returndatasize(), 0x20), shr(32, shl(32, r))) { revert(0, 0) }
                rejected := iszero(eq(r, shl(224, 0x150b7a02)))
            }
        }
        if (rejected) revert ERC721InvalidReceiver(to);
    }

    /// @dev A storage string copied to memory. Every storage string is read
    /// through this one routine: solc would otherwise emit a copy of its own
    /// routine per string variable (about 130 bytes each), which every
    /// deployment pays for. Solidity's layout: a short string (< 32 bytes) is
    /// left-aligned in its slot with 2 * length in the low byte; a long one has
    /// 2 * length + 1 in its slot and its bytes from keccak256(slot) on.
    function _str(uint256 slot) private view returns (string memory s) {
        assembly ("memory-safe") {
            let v := sload(slot)
            s := mload(0x40)
            let len := shr(1, and(v, 0xff))
            switch and(v, 1)
            case 0 { mstore(add(s, 0x20), and(v, not(0xff))) }
            default {
                len := shr(1, v)
                mstore(0, slot)
                let d := keccak256(0, 0x20)
                for { let i := 0 } lt(i, len) { i := add(i, 0x20) } {
                    mstore(add(add(s, 0x20), i), sload(add(d, shr(5, i))))
                }
            }
            mstore(s, len)
            mstore(0x40, add(add(s, 0x20), and(add(len, 0x1f), not(0x1f))))
        }
    }

    /// @dev The storage slot of a string variable, for _str. Adding
    /// shr(255, codesize()), always 0, hides the slot number from the
    /// optimizer, which would otherwise copy _str once per variable.
    function _slotOf(string storage value) private pure returns (uint256 slot) {
        assembly ("memory-safe") {
            slot := add(value.slot, shr(255, codesize()))
        }
    }

    /// @dev OpenZeppelin's ShortStrings.toStringWithFallback, reading the
    /// fallback through _str.
    function _shortOr(ShortString packed, uint256 spill) private view returns (string memory s) {
        bytes32 word = ShortString.unwrap(packed);
        if (word == bytes32(uint256(0xff))) return _str(spill); // ShortStrings' FALLBACK_SENTINEL
        assembly ("memory-safe") {
            s := mload(0x40)
            mstore(0x40, add(s, 0x40))
            mstore(s, and(word, 0xff))
            mstore(add(s, 0x20), word)
        }
    }

    /// @dev The licence's name (nameOnly) or URI, out of _license.
    function _licensePart(bool nameOnly) private view returns (string memory part) {
        string memory l = _str(_slotOf(_license));
        assembly ("memory-safe") {
            part := l
            let total := mload(l)
            if total {
                let n := byte(0, mload(add(l, 0x20)))
                switch nameOnly
                case 0 {
                    part := add(l, add(n, 1))
                    mstore(part, sub(total, add(n, 1)))
                }
                default {
                    part := add(l, 1)
                    mstore(part, n)
                }
            }
        }
    }

    function _aigcSlot(uint256 tokenId) private pure returns (uint256 slot) {
        assembly ("memory-safe") {
            mstore(0, tokenId)
            mstore(0x20, _aigc.slot)
            slot := keccak256(0, 0x40)
        }
    }

    /// @dev prompt ++ aigcData, zero-padded to a word, in memory past the free
    /// memory pointer (scratch: valid until the next allocation).
    function _packAigc(bytes calldata prompt, bytes calldata aigcData) private pure returns (uint256 m, uint256 total) {
        assembly ("memory-safe") {
            m := mload(0x40)
            total := add(prompt.length, aigcData.length)
            calldatacopy(m, prompt.offset, prompt.length)
            calldatacopy(add(m, prompt.length), aigcData.offset, aigcData.length)
            mstore(add(m, total), 0)
        }
    }

    function _sload(uint256 slot) private view returns (uint256 v) {
        assembly ("memory-safe") {
            v := sload(slot)
        }
    }

    /// @dev The ERC-7007 record of `tokenId` (see _aigc); empty when none.
    function _readAigc(uint256 tokenId) private view returns (bytes memory prompt, bytes memory aigcData) {
        uint256 slot = _aigcSlot(tokenId);
        assembly ("memory-safe") {
            let h := sload(slot)
            let pl := and(h, 0xffffffffffffffffffffffffffffffff)
            let dl := shr(128, h)
            let total := add(pl, dl)
            // Read the packed words into a buffer, then copy each part out.
            let buf := mload(0x40)
            for { let i := 0 } lt(i, total) { i := add(i, 0x20) } {
                mstore(add(buf, i), sload(add(add(slot, 1), shr(5, i))))
            }
            prompt := add(buf, and(add(total, 0x1f), not(0x1f)))
            mstore(prompt, pl)
            mcopy(add(prompt, 0x20), buf, pl)
            aigcData := add(add(prompt, 0x20), and(add(pl, 0x1f), not(0x1f)))
            mstore(aigcData, dl)
            mcopy(add(aigcData, 0x20), add(buf, pl), dl)
            mstore(0x40, add(add(aigcData, 0x20), and(add(dl, 0x1f), not(0x1f))))
        }
    }

    /// @dev onlyOwner and "not frozen" with one storage read: Ownable's _owner
    /// and the cursor holding _FROZEN share slot 0 (TestCursorSharesOwnableSlot
    /// checks the layout), so the setters read it once instead of twice. The
    /// same reverts in the same order as onlyOwner followed by _requireNotFrozen.
    function _checkOwnerNotFrozen() private view {
        uint256 s;
        assembly ("memory-safe") {
            s := sload(_nextId.slot)
        }
        if (address(uint160(s)) != msg.sender) revert OwnableUnauthorizedAccount(msg.sender);
        if ((s >> 160) & _FROZEN != 0) revert MetadataIsFrozen();
    }

    /// @dev `target` = `value`, written exactly as solc writes a string to
    /// storage (the layout _str reads: short strings in the slot, long ones
    /// from keccak256(slot), the bytes past the end of the last word zero, and
    /// words of a longer previous value cleared), in one routine for both
    /// setters: solc's own copy routine spends about 100 gas more per call on
    /// its general case. TestURIStorageAgainstSolc compares the slots written
    /// with solc's for lengths around every word boundary.
    function _setStr(string storage target, string calldata value) private {
        assembly ("memory-safe") {
            let slot := target.slot
            let len := value.length
            let old := sload(slot)
            // Data words of the previous value: none when it was short.
            let oldWords := mul(and(old, 1), shr(5, add(shr(1, old), 31)))
            let words := 0
            mstore(0, slot)
            let data := keccak256(0, 0x20)
            switch lt(len, 32)
            case 1 {
                // The bytes left-aligned, zero past len, 2 * len in the low byte.
                sstore(slot, or(and(calldataload(value.offset), not(shr(shl(3, len), not(0)))), shl(1, len)))
            }
            default {
                sstore(slot, add(shl(1, len), 1))
                words := shr(5, add(len, 31))
                let last := sub(words, 1)
                for { let i := 0 } lt(i, last) { i := add(i, 1) } {
                    sstore(add(data, i), calldataload(add(value.offset, shl(5, i))))
                }
                // The last word holds 1..32 bytes of the string; the rest is zero.
                let tail := sub(len, shl(5, last))
                sstore(add(data, last), and(calldataload(add(value.offset, shl(5, last))), not(shr(shl(3, tail), not(0)))))
            }
            for {} lt(words, oldWords) { words := add(words, 1) } { sstore(add(data, words), 0) }
        }
    }

    function _requireNotFrozen() private view {
        if (_nextId & _FROZEN != 0) revert MetadataIsFrozen();
    }

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
        uint256 next = _nextId & _ID_MASK;
        if (tokenId >= next) return address(0);
        return _laterOwner(tokenId, next);
    }

    /// @dev Owner of a minted, never-transferred token from a later batch: the
    /// owner of the last batch starting at or before it. Reads at most three slots
    /// besides the cursor: its page, then either a moved batch owner, or its
    /// region's flags and an earlier page, or its region's carry.
    function _laterOwner(uint256 tokenId, uint256 next) private view returns (address) {
        // tokenId < next < 2^31: nothing here can overflow.
        unchecked {
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
}
