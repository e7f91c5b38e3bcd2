/// Quality metrics: SSIM (map, per-channel mean, tile floor), PSNR, max error
/// (DESIGN.md §3).
public enum QualityMetrics {}
