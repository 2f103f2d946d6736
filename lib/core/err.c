/*
 * err.c - the library's one error enum, as text.  Messages are generic on
 * purpose: they may reach logs and must never carry request data.
 */
#include "jet/core.h"

const char *
jet_strerror(int err)
{
	switch (err) {
	case JET_OK: return "success";
	case JET_AGAIN: return "need more input";
	case JET_ENOMEM: return "out of memory";
	case JET_EINVAL: return "invalid input";
	case JET_EIO: return "I/O error";
	case JET_ETOOBIG: return "limit exceeded";
	case JET_ETIMEDOUT: return "timed out";
	case JET_ECLOSED: return "connection closed";
	case JET_ETLS: return "TLS error";
	case JET_ENOTFOUND: return "not found";
	case JET_EPERM: return "not permitted";
	case JET_ECONF: return "invalid configuration";
	case JET_EPROTO: return "protocol error";
	case JET_EBUSY: return "resource busy";
	case JET_ESTATE: return "invalid state";
	case JET_EEXIST: return "already exists";
	default: return "unknown error";
	}
}
