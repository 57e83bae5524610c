/* KneeFlow's C interface over DCMTK (C++), so Swift needs no C++ interop. One parsed DICOM
 * file per handle; geometry per frame (Enhanced MR per-frame / shared functional groups, else
 * the classic top-level attributes); pixel data decoded to float32 without rescale (Swift applies
 * RescaleSlope/Intercept per frame). Errors come back as a code and a one-line message. */
#ifndef KF_DICOM_H
#define KF_DICOM_H
#include <stddef.h>
#ifdef __cplusplus
extern "C" {
#endif

/* Error codes (mirrored by DICOMError.Code in Swift). */
enum {
    KFD_OK = 0,
    KFD_FORMAT = 1,       /* not parseable as DICOM, a required attribute missing or invalid */
    KFD_UNSUPPORTED = 2,  /* a transfer syntax or pixel format the library cannot decode */
    KFD_TRUNCATED = 3,    /* the stream ends early, or the pixel data is shorter than the image needs */
    KFD_NO_PIXELS = 4     /* no PixelData element (e.g. a DICOMDIR, a structured report) */
};

typedef struct kfd_file kfd_file;

/* The attributes the series reader needs, from the top-level data set and the file meta. */
typedef struct {
    char series_uid[80];
    char sop_class_uid[80];
    char sop_instance_uid[80];
    char transfer_syntax_uid[80];
    char transfer_syntax_name[80];
    char photometric[24];
    char modality[24];
    char series_description[80];
    int rows, columns, frames;
    int bits_allocated, bits_stored, pixel_representation, samples_per_pixel;
    int has_instance_number;
    long instance_number;
} kfd_info;

/* The geometry and rescale of one frame. Flags say which were found. */
typedef struct {
    int has_position, has_orientation, has_spacing, has_rescale;
    double position[3];     /* ImagePositionPatient (mm) */
    double orientation[6];  /* ImageOrientationPatient: row cosines, column cosines */
    double spacing[2];      /* PixelSpacing: between rows, between columns (mm) */
    double slope, intercept;
} kfd_frame;

/* Parses a DICOM file (Part 10 with or without preamble) from bytes in memory. The bytes are
 * not kept after the call. Returns NULL on failure with *code and err set. */
kfd_file *kfd_open(const void *bytes, size_t length, int *code, char *err, size_t errlen);
void kfd_close(kfd_file *file);

/* Fills *info. Returns KFD_OK or an error code with err set. */
int kfd_get_info(kfd_file *file, kfd_info *info, char *err, size_t errlen);

/* Geometry of frame `frame` (0-based). Returns KFD_OK (missing attributes are flags, not errors). */
int kfd_get_frame(kfd_file *file, int frame, kfd_frame *out);

/* Decodes every frame's stored values (sign and BitsStored applied, no rescale) into `out`,
 * `count` = rows × columns × frames floats, frame-major, row-major. */
int kfd_decode(kfd_file *file, float *out, size_t count, char *err, size_t errlen);

/* The DCMTK version string, e.g. "3.6.7". */
const char *kfd_library_version(void);

#ifdef __cplusplus
}
#endif
#endif
