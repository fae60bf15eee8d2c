#include "store/errno_names.h"

namespace portwatch::store {

std::string linux_errno_name(int code) {
    switch (code) {
        case 1:
            return "EPERM";
        case 11:
            return "EAGAIN";
        case 12:
            return "ENOMEM";
        case 13:
            return "EACCES";
        case 22:
            return "EINVAL";
        case 23:
            return "ENFILE";
        case 24:
            return "EMFILE";
        case 98:
            return "EADDRINUSE";
        case 99:
            return "EADDRNOTAVAIL";
        case 101:
            return "ENETUNREACH";
        case 105:
            return "ENOBUFS";
        case 110:
            return "ETIMEDOUT";
        case 111:
            return "ECONNREFUSED";
        case 113:
            return "EHOSTUNREACH";
        default:
            return std::to_string(code);
    }
}

}  // namespace portwatch::store
