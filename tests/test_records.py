from hf_srgan.records import curve_point


def test_curve_point_averages_the_sets_and_keeps_niqe_only_when_measured():
    gan = {"step": 250, "a": {"psnr": 28.0, "niqe": 5.0}, "b": {"psnr": 26.0, "niqe": 7.0}}
    assert curve_point(gan) == {
        "step": 250,
        "psnr": 27.0,
        "niqe": 6.0,
        "sets": {"a": {"psnr": 28.0, "niqe": 5.0}, "b": {"psnr": 26.0, "niqe": 7.0}},
    }
    pretrain = {"step": 1500, "val-bsd200": {"psnr": 27.3456, "ssim": 0.76}}  # no --val_niqe
    assert curve_point(pretrain) == {"step": 1500, "psnr": 27.346}
