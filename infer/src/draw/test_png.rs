//! Reading back the pictures the drawing tests make, and keeping them to look at.

/// Decodes `png`, checks its size is (`width`, `height`) and returns its RGB pixels.
pub fn decode(png: &[u8], width: u32, height: u32) -> Vec<u8> {
    let mut reader = png::Decoder::new(std::io::Cursor::new(png.to_vec()))
        .read_info()
        .expect("PNG decodes");
    let info = reader.info();
    assert_eq!((info.width, info.height), (width, height));
    assert_eq!(info.color_type, png::ColorType::Rgb);
    let mut buf = vec![0; reader.output_buffer_size().unwrap()];
    reader.next_frame(&mut buf).unwrap();
    buf.truncate(width as usize * height as usize * 3);
    buf
}

/// The pixel at (`x`, `y`) of a `width` px wide RGB buffer.
pub fn pixel(rgb: &[u8], width: u32, x: u32, y: u32) -> (u8, u8, u8) {
    let at = (y as usize * width as usize + x as usize) * 3;
    (rgb[at], rgb[at + 1], rgb[at + 2])
}

/// Writes `png` to /tmp/drawwork/`name` when that folder exists, to look at.
pub fn keep(name: &str, png: &[u8]) {
    let dir = std::path::Path::new("/tmp/drawwork");
    if dir.is_dir() {
        std::fs::write(dir.join(name), png).unwrap();
    }
}
