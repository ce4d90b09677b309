package io.flows4j.spark;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.spark.ml.util.DefaultParamsReader;
import org.apache.spark.ml.util.DefaultParamsReader$;
import org.apache.spark.ml.util.DefaultParamsWriter$;
import org.apache.spark.ml.util.MLReader;
import org.apache.spark.ml.util.MLWriter;
import scala.Option;

/**
 * Spark ML persistence of a {@link FlowModel} (so a {@code Pipeline} or {@code PipelineModel} that
 * holds one can be saved and loaded): the stage folder holds Spark's parameter metadata ({@code
 * metadata/}) and the flows4j model file unchanged ({@code model/model.flows4j}), on any file
 * system Hadoop reaches (local, HDFS, S3).
 */
final class FlowModelPersistence {
  static final String MODEL_FILE = "model/model.flows4j";

  private FlowModelPersistence() {}

  static final class Writer extends MLWriter {
    private final FlowModel model;

    Writer(FlowModel model) {
      this.model = model;
    }

    @Override
    public void saveImpl(String path) {
      DefaultParamsWriter$.MODULE$.saveMetadata(model, path, sparkSession());
      Path file = new Path(path, MODEL_FILE);
      try {
        FileSystem fs = file.getFileSystem(sparkSession().sparkContext().hadoopConfiguration());
        try (OutputStream out = fs.create(file, true)) {
          out.write(model.modelBytes().content());
        }
      } catch (IOException e) {
        throw new UncheckedIOException(file + ": cannot write (" + e.getMessage() + ")", e);
      }
    }
  }

  static final class Reader extends MLReader<FlowModel> {
    @Override
    public FlowModel load(String path) {
      DefaultParamsReader.Metadata meta =
          DefaultParamsReader$.MODULE$.loadMetadata(path, sparkSession());
      Path file = new Path(path, MODEL_FILE);
      byte[] bytes;
      try {
        FileSystem fs = file.getFileSystem(sparkSession().sparkContext().hadoopConfiguration());
        try (InputStream in = fs.open(file)) {
          ByteArrayOutputStream buf = new ByteArrayOutputStream();
          in.transferTo(buf);
          bytes = buf.toByteArray();
        }
      } catch (IOException e) {
        throw new UncheckedIOException(file + ": cannot read (" + e.getMessage() + ")", e);
      }
      FlowModel m = FlowModel.withUid(meta.uid(), ModelBytes.of(bytes, file.toString()));
      meta.getAndSetParams(m, Option.empty());
      return m;
    }
  }
}
