package io.vectorstream.embed;

import com.google.protobuf.CodedInputStream;
import com.google.protobuf.WireFormat;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Reads the float weights of a BERT encoder out of an ONNX file, named as Hugging Face names them.
 *
 * <p>ONNX is a protobuf message; this reads the few fields it needs without generated classes:
 * {@code ModelProto.graph} (7) -> {@code GraphProto.node} (1) and {@code .initializer} (5) ->
 * {@code TensorProto} dims (1), data_type (2), name (8), raw_data (9). Biases, embeddings and
 * LayerNorm tensors keep their Hugging Face names in the export; the weight matrices of the dense
 * layers are anonymous ({@code onnx::MatMul_123}), stored transposed as {@code [in, out]}, and get
 * their name here from the MatMul node that reads them:
 * {@code /encoder/layer.0/attention/self/query/MatMul} -> {@code encoder.layer.0.attention.self.query.weight}.
 */
public final class OnnxWeights {

    private static final int ONNX_FLOAT = 1;

    /** One float tensor: its shape and values, row-major. */
    public record Tensor(long[] shape, float[] values) {
    }

    private OnnxWeights() {
    }

    /** The float tensors of the model, by Hugging Face name (dense weights as {@code [in, out]}). */
    public static Map<String, Tensor> read(final byte[] onnxModel) throws IOException {
        CodedInputStream model = CodedInputStream.newInstance(onnxModel);
        model.setSizeLimit(Integer.MAX_VALUE);
        while (!model.isAtEnd()) {
            int tag = model.readTag();
            if (WireFormat.getTagFieldNumber(tag) == 7) {
                return readGraph(model.readByteArray());
            }
            model.skipField(tag);
        }
        throw new IOException("not an ONNX model: no graph");
    }

    private static Map<String, Tensor> readGraph(final byte[] graphBytes) throws IOException {
        CodedInputStream graph = CodedInputStream.newInstance(graphBytes);
        graph.setSizeLimit(Integer.MAX_VALUE);
        Map<String, Tensor> byOnnxName = new LinkedHashMap<>();
        Map<String, String> weightNames = new HashMap<>();
        while (!graph.isAtEnd()) {
            int tag = graph.readTag();
            switch (WireFormat.getTagFieldNumber(tag)) {
                case 1 -> nameMatMulWeight(graph.readByteArray(), weightNames);
                case 5 -> readTensor(graph.readByteArray(), byOnnxName);
                default -> graph.skipField(tag);
            }
        }
        Map<String, Tensor> byName = new LinkedHashMap<>();
        byOnnxName.forEach((name, tensor) -> byName.put(weightNames.getOrDefault(name, name), tensor));
        return byName;
    }

    /** A MatMul node whose second input is an initializer names that initializer. */
    private static void nameMatMulWeight(final byte[] nodeBytes, final Map<String, String> weightNames)
            throws IOException {
        CodedInputStream node = CodedInputStream.newInstance(nodeBytes);
        List<String> inputs = new ArrayList<>(2);
        String name = "";
        String opType = "";
        while (!node.isAtEnd()) {
            int tag = node.readTag();
            switch (WireFormat.getTagFieldNumber(tag)) {
                case 1 -> inputs.add(node.readStringRequireUtf8());
                case 3 -> name = node.readStringRequireUtf8();
                case 4 -> opType = node.readStringRequireUtf8();
                default -> node.skipField(tag);
            }
        }
        if (opType.equals("MatMul") && inputs.size() == 2 && name.endsWith("/MatMul")) {
            String module = name.substring(name.startsWith("/") ? 1 : 0, name.length() - "/MatMul".length());
            weightNames.put(inputs.get(1), module.replace('/', '.') + ".weight");
        }
    }

    private static void readTensor(final byte[] tensorBytes, final Map<String, Tensor> into) throws IOException {
        CodedInputStream tensor = CodedInputStream.newInstance(tensorBytes);
        tensor.setSizeLimit(Integer.MAX_VALUE);
        List<Long> dims = new ArrayList<>(2);
        int dataType = 0;
        String name = null;
        byte[] raw = null;
        while (!tensor.isAtEnd()) {
            int tag = tensor.readTag();
            int field = WireFormat.getTagFieldNumber(tag);
            if (field == 1 && WireFormat.getTagWireType(tag) == WireFormat.WIRETYPE_LENGTH_DELIMITED) {
                int limit = tensor.pushLimit(tensor.readRawVarint32());
                while (tensor.getBytesUntilLimit() > 0) {
                    dims.add(tensor.readInt64());
                }
                tensor.popLimit(limit);
            } else if (field == 1) {
                dims.add(tensor.readInt64());
            } else if (field == 2) {
                dataType = tensor.readInt32();
            } else if (field == 8) {
                name = tensor.readStringRequireUtf8();
            } else if (field == 9) {
                raw = tensor.readByteArray();
            } else {
                tensor.skipField(tag);
            }
        }
        if (dataType != ONNX_FLOAT || name == null || raw == null) {
            return; // shape constants and the like: not weights
        }
        long[] shape = dims.stream().mapToLong(Long::longValue).toArray();
        float[] values = new float[raw.length / Float.BYTES];
        ByteBuffer.wrap(raw).order(ByteOrder.LITTLE_ENDIAN).asFloatBuffer().get(values);
        long expected = 1;
        for (long d : shape) {
            expected *= d;
        }
        if (expected != values.length) {
            throw new IOException("tensor " + name + " has " + values.length + " values for shape "
                    + Arrays.toString(shape));
        }
        into.put(name, new Tensor(shape, values));
    }
}
