package io.flows4j.bench;

import io.flows4j.anomaly.Auroc;
import io.flows4j.anomaly.GaussianBaseline;
import io.flows4j.data.Dataset;
import io.flows4j.data.IdxReader;
import io.flows4j.flows.Flow;
import io.flows4j.flows.Presets;
import io.flows4j.model.FittedModel;
import io.flows4j.tensor.Checks;
import io.flows4j.training.TrainingConfig;
import io.flows4j.training.TrainingListener;
import io.flows4j.training.TrainingResult;
import java.nio.file.Path;
import java.util.Locale;

/**
 * Held-out-class novelty detection on Fashion-MNIST (issue 5): for a class {@code k}, a flow is
 * fitted with {@link FittedModel#fit} and the library's training defaults ({@link
 * TrainingConfig#defaults()}: validation split, early stopping, best parameters kept) to the {@code
 * fmnist-pca32} training rows whose label is not {@code k}; every test row is scored by {@code -log
 * p(x)} and the AUROC of detecting the test rows of class {@code k} is reported ({@link Auroc}),
 * beside that of the maximum-likelihood full-covariance Gaussian fitted (in double) to the same
 * rows ({@link GaussianBaseline}), whose {@code -log N(x; mu, Sigma)} ranks rows as the Mahalanobis
 * distance does.
 *
 * <p>The labels come from the IDX files in {@code fashion-mnist/}; the rows of {@code
 * fmnist-pca32/train.csv.gz} and {@code test.csv.gz} are in IDX order.
 */
public final class NoveltyBench {
  /**
   * The default flow, MAF 5 x MADE(256, 256), chosen by measurement ({@code docs/benchmarks.md},
   * novelty detection): on held-out classes 0 and 6 it beat the Gaussian by 0.035 and 0.20 AUROC,
   * RealNVP 8 x (256, 256) by 0.01 more on both, but in 1.4x MAF's training time.
   */
  public static final String DEFAULT_FLOW = "maf";

  /** Default hidden widths of the conditioners for 32 features. */
  public static final int[] DEFAULT_HIDDEN = {256, 256};

  /** Number of classes of Fashion-MNIST. */
  public static final int CLASSES = 10;

  /** Steps of {@code --quick}. */
  public static final int QUICK_STEPS = 50;

  private NoveltyBench() {}

  /** The four data sets of the benchmark. */
  public record Data(Dataset train, int[] trainLabels, Dataset test, int[] testLabels) {
    /**
     * Checks that there is one label per row.
     *
     * @throws IllegalArgumentException otherwise
     */
    public Data {
      Checks.requireArgument(
          train.rows() == trainLabels.length && test.rows() == testLabels.length,
          "NoveltyBench: labels must be one per row, but train has %d rows and %d labels, test"
              + " %d rows and %d labels",
          train.rows(),
          trainLabels.length,
          test.rows(),
          testLabels.length);
    }
  }

  /**
   * Reads {@code fmnist-pca32/{train,test}.csv.gz} and the labels {@code
   * fashion-mnist/{train,t10k}-labels-idx1-ubyte.gz} under {@code root}.
   */
  public static Data read(Path root) {
    Path pca = root.resolve("fmnist-pca32");
    Path idx = root.resolve("fashion-mnist");
    return new Data(
        WorkloadBench.read(pca.resolve("train.csv.gz")),
        IdxReader.readLabels(idx.resolve("train-labels-idx1-ubyte.gz")),
        WorkloadBench.read(pca.resolve("test.csv.gz")),
        IdxReader.readLabels(idx.resolve("t10k-labels-idx1-ubyte.gz")));
  }

  /**
   * What one held-out class gave.
   *
   * @param heldOut the class {@code k}
   * @param trainRows training rows (label not {@code k}), before the validation split
   * @param positives test rows of class {@code k}
   * @param negatives the other test rows
   * @param aurocFlow AUROC of {@code -log p(x)} under the flow
   * @param aurocGaussian AUROC of {@code -log N(x)} under the Gaussian
   * @param flowInlierNll mean NLL (nats) of the flow on the negatives
   * @param gaussianInlierNll mean NLL of the Gaussian on the negatives
   * @param flowNoveltyNll mean NLL of the flow on the positives
   * @param gaussianNoveltyNll mean NLL of the Gaussian on the positives
   * @param params trained parameters of the flow
   * @param training the training run
   */
  public record Result(
      int heldOut,
      int trainRows,
      int positives,
      int negatives,
      double aurocFlow,
      double aurocGaussian,
      double flowInlierNll,
      double gaussianInlierNll,
      double flowNoveltyNll,
      double gaussianNoveltyNll,
      long params,
      TrainingResult training) {}

  /**
   * Runs the benchmark for one held-out class.
   *
   * @param data the data
   * @param heldOut the class {@code k} in {@code [0, 10)}
   * @param flowName a {@link Presets} name
   * @param layers flow layers
   * @param hidden conditioner widths
   * @param config the training configuration (the library's defaults, possibly with other steps)
   * @param listener progress, or {@code null}
   * @throws IllegalArgumentException if {@code heldOut} is out of range
   */
  public static Result run(
      Data data,
      int heldOut,
      String flowName,
      int layers,
      int[] hidden,
      TrainingConfig config,
      TrainingListener listener) {
    Checks.requireArgument(
        heldOut >= 0 && heldOut < CLASSES,
        "bench novelty: the class must be 0 to 9, but was %d",
        heldOut);
    Dataset train = data.train().subset(indexes(data.trainLabels(), heldOut, false));
    Flow flow = Presets.flow(flowName, train.columns(), layers, hidden, config.seed());
    FittedModel model = FittedModel.fit(flow, train, null, true, config, listener);
    float[] lp = model.logProb(data.test());
    GaussianBaseline g = GaussianBaseline.fit(train);
    int n = data.test().rows();
    double[] flowScore = new double[n];
    double[] gaussScore = new double[n];
    boolean[] positive = new boolean[n];
    double[] sums = new double[4];
    int positives = 0;
    for (int i = 0; i < n; i++) {
      flowScore[i] = -lp[i];
      gaussScore[i] = g.nll(data.test().row(i));
      positive[i] = data.testLabels()[i] == heldOut;
      int o = positive[i] ? 2 : 0;
      sums[o] += flowScore[i];
      sums[o + 1] += gaussScore[i];
      if (positive[i]) {
        positives++;
      }
    }
    int negatives = n - positives;
    return new Result(
        heldOut,
        train.rows(),
        positives,
        negatives,
        Auroc.of(flowScore, positive),
        Auroc.of(gaussScore, positive),
        sums[0] / negatives,
        sums[1] / negatives,
        sums[2] / positives,
        sums[3] / positives,
        flow.parameterCount(),
        model.trainingResult().orElseThrow());
  }

  /** The JSON line of a result. */
  public static JsonLine line(Result r, String flowName, int layers, int[] hidden, int threads) {
    StringBuilder h = new StringBuilder();
    for (int w : hidden) {
      h.append(h.length() == 0 ? "" : ",").append(w);
    }
    TrainingResult t = r.training();
    return new JsonLine()
        .put("workload", "novelty")
        .put("dataset", "fmnist-pca32")
        .put("held_out_class", r.heldOut())
        .put("flow", flowName)
        .put("layers", layers)
        .put("hidden", h.toString())
        .put("params", r.params())
        .put("train_rows", r.trainRows())
        .put("test_positives", r.positives())
        .put("test_negatives", r.negatives())
        .put("auroc_flow", r.aurocFlow())
        .put("auroc_gaussian", r.aurocGaussian())
        .put("flow_nll_inliers", r.flowInlierNll())
        .put("gaussian_nll_inliers", r.gaussianInlierNll())
        .put("flow_nll_novel", r.flowNoveltyNll())
        .put("gaussian_nll_novel", r.gaussianNoveltyNll())
        .put("steps", t.stepsRun())
        .put("best_step", t.bestStep())
        .put("stop", t.stopReason().name().toLowerCase(Locale.ROOT))
        .put("threads", threads)
        .put("train_sec", t.trainSeconds())
        .put("sec_per_step_median", t.secPerStepMedian());
  }

  /** The indexes of the labels equal (or, with {@code equal} false, not equal) to {@code k}. */
  static int[] indexes(int[] labels, int k, boolean equal) {
    int count = 0;
    for (int l : labels) {
      if ((l == k) == equal) {
        count++;
      }
    }
    int[] out = new int[count];
    for (int i = 0, j = 0; i < labels.length; i++) {
      if ((labels[i] == k) == equal) {
        out[j++] = i;
      }
    }
    return out;
  }
}
