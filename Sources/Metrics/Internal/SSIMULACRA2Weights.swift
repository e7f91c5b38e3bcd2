import Foundation

/// The published weights and final mapping of SSIMULACRA 2 (cloudinary/ssimulacra2,
/// `ssimulacra2.cc`, `Msssim::Score`, version 2.1 of April 2023; tuned by its authors on
/// CID22, TID2013, KADID-10k and KonFiG-IQA subjective scores).
enum SSIMULACRA2Weights {
    /// The 108 weights in the order the definition reads its sub-scores: for each
    /// component X, Y, B; for each scale 1:1 … 1:32; for the 1-norm then the 4-norm:
    /// SSIM error, artifact (ringing/blockiness), detail lost (blur). One line is one
    /// scale: 1-norm (SSIM, artifact, detail lost), then 4-norm (same three).
    static let values: [Double] = [
        // X
        0.0, 0.0007376606707406586, 0.0, 0.0, 0.0007793481682867309, 0.0,
        0.0, 0.0004371155730107379, 0.0, 1.1041726426657346, 0.00066284834129271, 0.00015231632783718752,
        0.0, 0.0016406437456599754, 0.0, 1.8422455520539298, 11.441172603757666, 0.0,
        0.0007989109436015163, 0.000176816438078653, 0.0, 1.8787594979546387, 10.94906990605142, 0.0,
        0.0007289346991508072, 0.9677937080626833, 0.0, 0.00014003424285435884, 0.9981766977854967, 0.00031949755934435053,
        0.0004550992113792063, 0.0, 0.0, 0.0013648766163243398, 0.0, 0.0,
        // Y
        0.0, 0.0, 0.0, 7.466890328078848, 0.0, 17.445833984131262,
        0.0006235601634041466, 0.0, 0.0, 6.683678146179332, 0.00037724407979611296, 1.027889937768264,
        225.20515300849274, 0.0, 0.0, 19.213238186143016, 0.0011401524586618361, 0.001237755635509985,
        176.39317598450694, 0.0, 0.0, 24.43300999870476, 0.28520802612117757, 0.0004485436923833408,
        0.0, 0.0, 0.0, 34.77906344483772, 44.835625328877896, 0.0,
        0.0, 0.0, 0.0, 0.0, 0.0, 0.0,
        // B
        0.0, 0.0008680556573291698, 0.0, 0.0, 0.0, 0.0,
        0.0, 0.0005313191874358747, 0.0, 0.00016533814161379112, 0.0, 0.0,
        0.0, 0.0, 0.0, 0.0004179171803251336, 0.0017290828234722833, 0.0,
        0.0020827005846636437, 0.0, 0.0, 8.826982764996862, 23.19243343998926, 0.0,
        95.1080498811086, 0.9863978034400682, 0.9834382792465353, 0.0012286405048278493, 171.2667255897307, 0.9807858872435379,
        0.0, 0.0, 0.0, 0.0005130064588990679, 0.0, 0.00010854057858411537,
    ]

    /// Weighted sum of the pooled error maps → score. `scales` holds, per computed
    /// scale, the 18 pooled values of that scale as `ScaleScores` lays them out.
    ///
    /// As in the definition, weights are consumed in order over the scales actually
    /// computed: a frame too small for six scales uses the first weights of each
    /// component's block shifted (the reference does the same; 4K and SD frames have all six).
    static func score(scales: [ScaleScores]) -> Double {
        var sum = 0.0
        var i = 0
        for c in 0..<3 {
            for scale in scales {
                for n in 0..<2 {
                    sum += values[i] * abs(scale.ssim[2 * c + n]); i += 1
                    sum += values[i] * abs(scale.edge[4 * c + n]); i += 1
                    sum += values[i] * abs(scale.edge[4 * c + 2 + n]); i += 1
                }
            }
        }
        // Final nonlinear mapping, constants from `Msssim::Score`: a scale, a cubic,
        // then 100 − 10·s^0.6276… (100 when nothing differs).
        var s = sum * 0.9562382616834844
        s = 2.326765642916932 * s - 0.020884521182843837 * s * s + 6.248496625763138e-05 * s * s * s
        return s > 0 ? 100 - 10 * pow(s, 0.6276336467831387) : 100
    }
}

/// The pooled error maps of one scale.
struct ScaleScores: Sendable {
    /// Per component c: `ssim[2c]` the mean of the SSIM error map, `ssim[2c+1]` its 4-norm.
    var ssim: [Double]
    /// Per component c: `edge[4c]` mean artifact, `edge[4c+1]` its 4-norm,
    /// `edge[4c+2]` mean detail lost, `edge[4c+3]` its 4-norm.
    var edge: [Double]
}
