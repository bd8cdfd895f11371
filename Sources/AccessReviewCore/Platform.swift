// The platform layer (C libraries, pointers, locks, files) is part of every stage's vocabulary.
@_exported import AccessReviewPlatform
