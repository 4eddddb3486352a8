package chain

import (
	"errors"
	"fmt"
	"math/big"
	"reflect"
	"strings"

	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/common/hexutil"
	"github.com/ethereum/go-ethereum/rpc"

	"github.com/genmint/genmint/mint/bindings"
)

// Sentinels for the reverts a caller branches on; match with errors.Is.
var (
	ErrNotOwner          = errors.New("not the collection owner")
	ErrMetadataFrozen    = errors.New("metadata is frozen")
	ErrSupplyExceeded    = errors.New("supply cap exceeded")
	ErrNonexistentToken  = errors.New("token does not exist")
	ErrAigcDisabled      = errors.New("ERC-7007 is not enabled on this collection")
	ErrAigcAlreadySet    = errors.New("ERC-7007 data already recorded for this token")
	ErrNotAuthorized     = errors.New("not allowed to move or approve this token")
	ErrInvalidParameters = errors.New("invalid collection parameters")
	ErrNotFrozen         = errors.New("the collection is not frozen")
	ErrRoyaltyAboveCap   = errors.New("royalty above the collection's cap")
)

// RevertError is a revert of GenmintCollection with its custom error decoded.
type RevertError struct {
	Name string // Solidity error name, e.g. "MaxSupplyExceeded"
	Args any    // the binding's struct for it, e.g. *bindings.GenmintCollectionMaxSupplyExceeded
	err  error  // the node's error
}

func (e *RevertError) Error() string {
	return "contract reverted with " + e.Name + e.fields() + hint(e)
}

func (e *RevertError) Unwrap() error { return e.err }

// Is maps errors to the package's sentinels.
func (e *RevertError) Is(target error) bool {
	switch e.Name {
	case "OwnableUnauthorizedAccount":
		return target == ErrNotOwner
	case "MetadataIsFrozen":
		return target == ErrMetadataFrozen
	case "MaxSupplyExceeded":
		return target == ErrSupplyExceeded
	case "ERC721NonexistentToken":
		return target == ErrNonexistentToken
	case "AigcDisabled":
		return target == ErrAigcDisabled
	case "AigcDataAlreadySet":
		return target == ErrAigcAlreadySet
	case "ERC721InsufficientApproval", "ERC721InvalidApprover", "ERC721IncorrectOwner":
		return target == ErrNotAuthorized
	case "RenounceBeforeFreeze", "MetadataNotFrozen":
		return target == ErrNotFrozen
	case "RoyaltyAboveCap":
		return target == ErrRoyaltyAboveCap
	case "InvalidSupply", "ERC2981InvalidDefaultRoyalty", "ERC2981InvalidDefaultRoyaltyReceiver", "OwnableInvalidOwner", "LicenseNameTooLong":
		return target == ErrInvalidParameters
	}
	return false
}

// fields renders the decoded arguments as (name=value, …).
func (e *RevertError) fields() string {
	v := reflect.ValueOf(e.Args)
	if v.Kind() == reflect.Pointer {
		v = v.Elem()
	}
	if v.Kind() != reflect.Struct || v.NumField() == 0 {
		return "()"
	}
	parts := make([]string, 0, v.NumField())
	for i := range v.NumField() {
		f := v.Field(i)
		var s string
		switch x := f.Interface().(type) {
		case *big.Int:
			s = x.String()
		case common.Address:
			s = x.Hex()
		default:
			s = fmt.Sprint(x)
		}
		parts = append(parts, v.Type().Field(i).Name+"="+s)
	}
	return "(" + strings.Join(parts, ", ") + ")"
}

// hint says what to do next, for the errors a user can cause.
func hint(e *RevertError) string {
	switch e.Name {
	case "OwnableUnauthorizedAccount":
		return ": sign with the collection owner's account"
	case "MetadataIsFrozen":
		return ": freezeMetadata was called, the collection is final and can never change again"
	case "RenounceBeforeFreeze":
		return ": freeze the collection first ('genmint freeze'), or transfer ownership instead"
	case "MetadataNotFrozen":
		return ": freeze the collection first ('genmint freeze')"
	case "RoyaltyAboveCap":
		return ": the royalty cap is fixed at deployment, set a lower royalty"
	case "MaxSupplyExceeded":
		return ": the supply cap is fixed at deployment, mint fewer items"
	case "ERC721NonexistentToken":
		return ": that token id was never minted"
	case "AigcDisabled":
		return ": ERC-7007 must be enabled when the collection is deployed"
	case "AigcDataAlreadySet":
		return ": ERC-7007 data is recorded once per token"
	}
	return ""
}

// RevertData returns the revert data an error from a node carries, if any.
func RevertData(err error) ([]byte, bool) {
	var de rpc.DataError
	if !errors.As(err, &de) {
		return nil, false
	}
	switch d := de.ErrorData().(type) {
	case string:
		b, err := hexutil.Decode(d)
		return b, err == nil
	case []byte:
		return d, true
	}
	return nil, false
}

// DecodeRevert turns a node error carrying GenmintCollection revert data into a
// *RevertError (which wraps err); any other error is returned unchanged.
func DecodeRevert(err error) error {
	data, ok := RevertData(err)
	if !ok || len(data) < 4 {
		return err
	}
	args, uerr := abiGC.UnpackError(data)
	if uerr != nil {
		return err
	}
	name := strings.TrimPrefix(reflect.TypeOf(args).Elem().Name(), "GenmintCollection")
	return &RevertError{Name: name, Args: args, err: err}
}

// Compile-time check that the binding names follow the prefix DecodeRevert strips.
var _ = bindings.GenmintCollectionMaxSupplyExceeded{}
