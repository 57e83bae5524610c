// DCMTK behind kf_dicom.h. Decoders registered once: RLE (dcmdata), JPEG baseline/extended/
// lossless (dcmjpeg), JPEG-LS (dcmjpls); deflate is handled by the stream layer. JPEG 2000 is
// not in free DCMTK: such files fail with KFD_UNSUPPORTED naming the transfer syntax.
#include "kf_dicom.h"

#include "dcmtk/config/osconfig.h"
#include "dcmtk/dcmdata/dctk.h"
#include "dcmtk/dcmdata/dcistrmb.h"
#include "dcmtk/dcmdata/dcrledrg.h"
#include "dcmtk/dcmjpeg/djdecode.h"
#include "dcmtk/dcmjpls/djdecode.h"
#include "dcmtk/oflog/oflog.h"

#include <cmath>
#include <cstdio>
#include <cstring>
#include <mutex>
#include <string>

struct kfd_file {
    DcmFileFormat format;
};

namespace {

std::once_flag registered;

void registerCodecs() {
    std::call_once(registered, [] {
        // DCMTK logs parse warnings to stderr by default; errors reach the caller as codes.
        OFLog::configure(OFLogger::FATAL_LOG_LEVEL);
        DcmRLEDecoderRegistration::registerCodecs();
        DJDecoderRegistration::registerCodecs();
        DJLSDecoderRegistration::registerCodecs();
    });
}

void setError(char *err, size_t errlen, const std::string &message) {
    if (err && errlen > 0) std::snprintf(err, errlen, "%s", message.c_str());
}

void copyString(DcmItem *item, const DcmTagKey &key, char *out, size_t size) {
    OFString value;
    out[0] = 0;
    if (item && item->findAndGetOFStringArray(key, value).good()) std::snprintf(out, size, "%s", value.c_str());
}

int getInt(DcmItem *item, const DcmTagKey &key, int fallback) {
    Uint16 u = 0;
    if (item->findAndGetUint16(key, u).good()) return u;
    OFString s;
    if (item->findAndGetOFString(key, s).good() && !s.empty()) return std::atoi(s.c_str());
    return fallback;
}

// Reads `n` decimal values of `key` from `item`; false unless all are present and finite.
bool getDoubles(DcmItem *item, const DcmTagKey &key, double *out, int n) {
    if (!item) return false;
    for (int i = 0; i < n; i++) {
        Float64 v = 0;
        if (item->findAndGetFloat64(key, v, i).bad() || !std::isfinite(v)) return false;
        out[i] = v;
    }
    return true;
}

// Item 0 of `sequence` inside `group` (a functional-group item), or NULL.
DcmItem *macro(DcmItem *group, const DcmTagKey &sequence) {
    DcmItem *item = nullptr;
    if (group && group->findAndGetSequenceItem(sequence, item, 0).good()) return item;
    return nullptr;
}

// Looks a value up in the frame's per-frame group, then the shared group, then top level.
bool lookup(DcmItem *perFrame, DcmItem *shared, DcmItem *top, const DcmTagKey &sequence,
            const DcmTagKey &key, double *out, int n) {
    return getDoubles(macro(perFrame, sequence), key, out, n) || getDoubles(macro(shared, sequence), key, out, n) ||
           getDoubles(top, key, out, n);
}

}  // namespace

extern "C" {

kfd_file *kfd_open(const void *bytes, size_t length, int *code, char *err, size_t errlen) {
    registerCodecs();
    kfd_file *file = new kfd_file();
    DcmInputBufferStream stream;
    stream.setBuffer(bytes, static_cast<offile_off_t>(length));
    stream.setEos();
    file->format.transferInit();
    OFCondition c = file->format.read(stream, EXS_Unknown, EGL_noChange, 0xFFFFFFFEu);
    file->format.transferEnd();
    if (c.bad()) {
        // A buffer that ends early surfaces as an invalid stream or a suspended read.
        bool early = c == EC_StreamNotifyClient || c == EC_InvalidStream || c == EC_PrematureSequDelimitationItem ||
                     std::strstr(c.text(), "premature") || std::strstr(c.text(), "Premature");
        *code = early ? KFD_TRUNCATED : KFD_FORMAT;
        setError(err, errlen, early ? std::string("the file ends inside an element (") + c.text() + ")"
                                    : std::string("not a readable DICOM file: ") + c.text());
        delete file;
        return nullptr;
    }
    *code = KFD_OK;
    return file;
}

void kfd_close(kfd_file *file) { delete file; }

int kfd_get_info(kfd_file *file, kfd_info *info, char *err, size_t errlen) {
    std::memset(info, 0, sizeof *info);
    DcmDataset *d = file->format.getDataset();
    copyString(d, DCM_SeriesInstanceUID, info->series_uid, sizeof info->series_uid);
    copyString(d, DCM_SOPClassUID, info->sop_class_uid, sizeof info->sop_class_uid);
    copyString(d, DCM_SOPInstanceUID, info->sop_instance_uid, sizeof info->sop_instance_uid);
    copyString(d, DCM_PhotometricInterpretation, info->photometric, sizeof info->photometric);
    copyString(d, DCM_Modality, info->modality, sizeof info->modality);
    copyString(d, DCM_SeriesDescription, info->series_description, sizeof info->series_description);
    DcmXfer xfer(d->getOriginalXfer());
    std::snprintf(info->transfer_syntax_uid, sizeof info->transfer_syntax_uid, "%s", xfer.getXferID());
    std::snprintf(info->transfer_syntax_name, sizeof info->transfer_syntax_name, "%s", xfer.getXferName());
    info->rows = getInt(d, DCM_Rows, 0);
    info->columns = getInt(d, DCM_Columns, 0);
    info->frames = getInt(d, DCM_NumberOfFrames, 1);
    info->bits_allocated = getInt(d, DCM_BitsAllocated, 0);
    info->bits_stored = getInt(d, DCM_BitsStored, info->bits_allocated);
    info->pixel_representation = getInt(d, DCM_PixelRepresentation, 0);
    info->samples_per_pixel = getInt(d, DCM_SamplesPerPixel, 1);
    Sint32 number = 0;
    if (d->findAndGetSint32(DCM_InstanceNumber, number).good()) {
        info->has_instance_number = 1;
        info->instance_number = number;
    }
    if (!d->tagExists(DCM_PixelData)) {
        setError(err, errlen, "no PixelData element");
        return KFD_NO_PIXELS;
    }
    if (info->rows <= 0 || info->columns <= 0 || info->frames <= 0) {
        setError(err, errlen, "Rows, Columns or NumberOfFrames missing or not positive");
        return KFD_FORMAT;
    }
    return KFD_OK;
}

int kfd_get_frame(kfd_file *file, int frame, kfd_frame *out) {
    std::memset(out, 0, sizeof *out);
    DcmDataset *d = file->format.getDataset();
    DcmItem *perFrame = nullptr, *shared = nullptr;
    d->findAndGetSequenceItem(DCM_PerFrameFunctionalGroupsSequence, perFrame, frame);
    d->findAndGetSequenceItem(DCM_SharedFunctionalGroupsSequence, shared, 0);
    out->has_position = lookup(perFrame, shared, d, DCM_PlanePositionSequence, DCM_ImagePositionPatient, out->position, 3);
    out->has_orientation = lookup(perFrame, shared, d, DCM_PlaneOrientationSequence, DCM_ImageOrientationPatient, out->orientation, 6);
    out->has_spacing = lookup(perFrame, shared, d, DCM_PixelMeasuresSequence, DCM_PixelSpacing, out->spacing, 2);
    double slope = 1, intercept = 0;
    bool s = lookup(perFrame, shared, d, DCM_PixelValueTransformationSequence, DCM_RescaleSlope, &slope, 1);
    bool i = lookup(perFrame, shared, d, DCM_PixelValueTransformationSequence, DCM_RescaleIntercept, &intercept, 1);
    out->has_rescale = s || i;
    out->slope = s ? slope : 1;
    out->intercept = i ? intercept : 0;
    return KFD_OK;
}

int kfd_decode(kfd_file *file, float *out, size_t count, char *err, size_t errlen) {
    DcmDataset *d = file->format.getDataset();
    kfd_info info;
    int code = kfd_get_info(file, &info, err, errlen);
    if (code != KFD_OK) return code;
    if (info.samples_per_pixel != 1) {
        setError(err, errlen, "SamplesPerPixel " + std::to_string(info.samples_per_pixel) + ": only greyscale images are supported");
        return KFD_UNSUPPORTED;
    }
    if (info.bits_allocated != 8 && info.bits_allocated != 16) {
        setError(err, errlen, "BitsAllocated " + std::to_string(info.bits_allocated) + ": only 8 and 16 are supported");
        return KFD_UNSUPPORTED;
    }
    if (info.bits_stored < 1 || info.bits_stored > info.bits_allocated) {
        setError(err, errlen, "BitsStored " + std::to_string(info.bits_stored) + " is outside 1…BitsAllocated");
        return KFD_FORMAT;
    }
    const size_t need = static_cast<size_t>(info.rows) * info.columns * info.frames;
    if (need != count) {
        setError(err, errlen, "output buffer does not match Rows × Columns × NumberOfFrames");
        return KFD_FORMAT;
    }
    DcmXfer original(d->getOriginalXfer());
    if (original.isEncapsulated()) {
        OFCondition c = d->chooseRepresentation(EXS_LittleEndianExplicit, nullptr);
        if (c.bad() || !d->canWriteXfer(EXS_LittleEndianExplicit)) {
            setError(err, errlen, std::string("cannot decode transfer syntax ") + original.getXferName() + " (" +
                                      original.getXferID() + ")" + (c.bad() ? std::string(": ") + c.text() : std::string()));
            return KFD_UNSUPPORTED;
        }
    }
    DcmElement *element = nullptr;
    if (d->findAndGetElement(DCM_PixelData, element).bad() || !element) {
        setError(err, errlen, "no PixelData element");
        return KFD_NO_PIXELS;
    }
    const size_t bytesPer = info.bits_allocated / 8;
    const Uint32 have = element->getLength();
    if (static_cast<size_t>(have) < need * bytesPer) {
        setError(err, errlen, "PixelData holds " + std::to_string(have) + " bytes, " + std::to_string(info.rows) + "×" +
                                  std::to_string(info.columns) + "×" + std::to_string(info.frames) + " × " +
                                  std::to_string(bytesPer) + " bytes need " + std::to_string(need * bytesPer));
        return KFD_TRUNCATED;
    }
    const int bits = info.bits_stored;
    const bool sign = info.pixel_representation == 1;
    const Uint32 mask = bits >= 32 ? 0xFFFFFFFFu : ((1u << bits) - 1u);
    auto value = [&](Uint32 raw) -> float {
        raw &= mask;
        if (sign && (raw >> (bits - 1)) & 1u) return static_cast<float>(static_cast<int32_t>(raw) - static_cast<int32_t>(1u << bits));
        return static_cast<float>(raw);
    };
    if (bytesPer == 2) {
        Uint16 *p = nullptr;
        if (element->getUint16Array(p).bad() || !p) {
            setError(err, errlen, "PixelData cannot be read as 16-bit words");
            return KFD_FORMAT;
        }
        for (size_t k = 0; k < need; k++) out[k] = value(p[k]);
    } else {
        Uint8 *p = nullptr;
        if (element->getUint8Array(p).bad() || !p) {
            setError(err, errlen, "PixelData cannot be read as bytes");
            return KFD_FORMAT;
        }
        for (size_t k = 0; k < need; k++) out[k] = value(p[k]);
    }
    return KFD_OK;
}

const char *kfd_library_version(void) { return OFFIS_DCMTK_VERSION_STRING; }

}  // extern "C"
