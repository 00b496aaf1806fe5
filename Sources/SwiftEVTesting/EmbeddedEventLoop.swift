import SwiftEV
